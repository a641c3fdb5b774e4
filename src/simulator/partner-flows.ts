import { randomUUID } from 'node:crypto'

/** How a partner's exchange session continues: nowhere, on a bank page, or in Plaid Link. */
type SessionFlow = 'unsupported' | 'bank-page' | 'link-token'

/** What the user's approval gives the app: an exchange (Visa), an MX connection or a Plaid public token to exchange. */
type Grant = 'exchange' | 'connection' | 'public-token'

export interface PartnerFlow {
  id: string
  name: string
  created: string
  flow: SessionFlow
  /** Undefined for partners whose flow the simulator does not support. */
  grant?: Grant
  /** Undefined: a redirect URL is not part of this partner's flow and is ignored. */
  redirect?: { required: boolean; accepts: (href: string) => boolean }
}

const isHttpUrl = (href: string) => /^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/i.test(href)
const isAndroidPackage = (href: string) => /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/i.test(href)

/**
 * Dwolla's exchange partners, in its order, with fresh ids per simulator so that clients
 * look them up by name as Dwolla asks instead of hard-coding ids.
 */
export function createPartnerFlows (): readonly PartnerFlow[] {
  const partner = (name: string, created: string, flow: SessionFlow, grant?: Grant, redirect?: PartnerFlow['redirect']) =>
    ({ id: randomUUID(), name, created, flow, grant, redirect })
  return [
    partner('Finicity', '2022-05-24T18:09:56.012Z', 'unsupported'),
    partner('MX', '2022-09-14T15:15:21.922Z', 'bank-page', 'connection'),
    partner('Flinks', '2023-05-15T14:43:47.615Z', 'unsupported'),
    // Plaid needs a redirect only on mobile: an Android package name or an iOS http(s) URL.
    partner('Plaid', '2023-11-08T17:22:09.717Z', 'link-token', 'public-token',
      { required: false, accepts: (href) => isHttpUrl(href) || isAndroidPackage(href) }),
    partner('Visa', '2024-06-25T15:15:22.837Z', 'bank-page', 'exchange', { required: true, accepts: isHttpUrl })
  ]
}

const PARTNER_HREF = /^https?:\/\/[^/?#]+\/exchange-partners\/([^/?#]+)$/i

/** The partner an exchange-partner href names; Dwolla goes by the id in it, whatever the origin. */
export function partnerOf (partners: readonly PartnerFlow[], href: string): PartnerFlow | undefined {
  const id = PARTNER_HREF.exec(href)?.[1]
  return partners.find((partner) => partner.id === id)
}
