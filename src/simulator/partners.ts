import { randomUUID } from 'node:crypto'

/** How a partner's exchange session continues: nowhere, on a bank page, or in Plaid Link. */
export type SessionFlow = 'unsupported' | 'bank-page' | 'link-token'

export interface Partner {
  id: string
  name: string
  created: string
  flow: SessionFlow
  /** Undefined: a redirect URL is not part of this partner's flow and is ignored. */
  redirect?: { required: boolean; accepts: (href: string) => boolean }
}

const isHttpUrl = (href: string) => /^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/i.test(href)
const isAndroidPackage = (href: string) => /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/i.test(href)

/**
 * Dwolla's exchange partners, in its order, with fresh ids per simulator so that clients
 * look them up by name as Dwolla asks instead of hard-coding ids.
 */
export function createPartners (): readonly Partner[] {
  const partner = (name: string, created: string, flow: SessionFlow, redirect?: Partner['redirect']) =>
    ({ id: randomUUID(), name, created, flow, redirect })
  return [
    partner('Finicity', '2022-05-24T18:09:56.012Z', 'unsupported'),
    partner('MX', '2022-09-14T15:15:21.922Z', 'bank-page'),
    partner('Flinks', '2023-05-15T14:43:47.615Z', 'unsupported'),
    // Plaid needs a redirect only on mobile: an Android package name or an iOS http(s) URL.
    partner('Plaid', '2023-11-08T17:22:09.717Z', 'link-token',
      { required: false, accepts: (href) => isHttpUrl(href) || isAndroidPackage(href) }),
    partner('Visa', '2024-06-25T15:15:22.837Z', 'bank-page', { required: true, accepts: isHttpUrl })
  ]
}
