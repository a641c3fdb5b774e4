import type { DwollaCore } from './core.js'
import type { PartnerName } from './partners.js'
import { CUSTOMER_REFUSALS, upstreamProblem } from './refusals.js'
import { isExchangeSession, type ExchangeSession } from './wire.js'

/** What an app needs to send its user to the partner. */
export type SessionStart =
  | { partner: 'visa' | 'mx'; exchangeSessionUrl: string }
  | { partner: 'plaid'; linkToken: string }

interface CreateExchangeSession {
  customerId: string
  partner: PartnerName
  platform: string
  redirectUrl: string | undefined
  /** The caller's key, if it sent one, from which the Dwolla create's key is derived (see dwollaIdempotencyKey). */
  idempotencyKey: string | undefined
}

interface CreateReAuthExchangeSession extends CreateExchangeSession {
  exchangeId: string
  /** The exchange's own partner (see exchangePartner). */
  partner: PartnerName
}

/**
 * Reduces an exchange session to what the app needs, per partner. The app opens the URL, so it
 * must be a web page: absolute https:, or on `pagesOrigin` (the simulator's); never javascript:,
 * data:, relative or plain http elsewhere.
 */
function sessionStart (partner: PartnerName, session: ExchangeSession, pagesOrigin: string | undefined): SessionStart {
  const { _links, externalProviderSessionToken } = session
  if (partner === 'plaid' && externalProviderSessionToken) return { partner, linkToken: externalProviderSessionToken }
  const href = _links['external-provider-session']?.href
  if (partner === 'plaid' || !href) throw upstreamProblem('retrieveExchangeSession', { status: 200, body: session })
  // Dwolla's own form, parsed once to check it is a URL at all; anything else is looked at closely.
  if (href.startsWith('https://') && URL.canParse(href)) return { partner, exchangeSessionUrl: href }
  const url = URL.canParse(href) ? new URL(href) : undefined
  if (url?.protocol === 'https:' || (url !== undefined && url.origin === pagesOrigin)) return { partner, exchangeSessionUrl: href }
  throw upstreamProblem('retrieveExchangeSession', { status: 200, body: session }, {
    reason: 'the exchange-session URL is not a web page', scheme: url?.protocol ?? 'relative'
  })
}

/** Exchange sessions: a customer's first bank link through a partner, and an exchange's re-authentication. */
export function createExchangeSessions ({ create, retrieve, listedPartnerHref, simulatorOrigin }: Pick<DwollaCore, 'create' | 'retrieve' | 'listedPartnerHref' | 'simulatorOrigin'>) {
  async function startSession (partner: PartnerName, sessionPath: string): Promise<SessionStart> {
    return sessionStart(partner, await retrieve('retrieveExchangeSession', sessionPath, isExchangeSession), simulatorOrigin)
  }

  return {
    async createExchangeSession ({ customerId, partner, platform, redirectUrl, idempotencyKey }: CreateExchangeSession): Promise<SessionStart> {
      const partnerHref = await listedPartnerHref(partner)
      const links = redirectUrl === undefined
        ? { 'exchange-partner': { href: partnerHref } }
        : { 'exchange-partner': { href: partnerHref }, 'redirect-url': { href: redirectUrl } }
      const sessionPath = await create('createExchangeSession', {
        method: 'POST',
        path: `/customers/${encodeURIComponent(customerId)}/exchange-sessions`,
        body: JSON.stringify({ _links: links })
      }, { customerId, content: { partner, platform, redirectUrl }, callerKey: idempotencyKey }, CUSTOMER_REFUSALS)
      return startSession(partner, sessionPath)
    },

    async createReAuthExchangeSession ({ customerId, exchangeId, partner, platform, redirectUrl, idempotencyKey }: CreateReAuthExchangeSession): Promise<SessionStart> {
      const sessionPath = await create('createReAuthExchangeSession', {
        method: 'POST',
        path: `/exchanges/${encodeURIComponent(exchangeId)}/exchange-sessions`,
        // Dwolla's own examples send no body when there is no redirect.
        body: redirectUrl === undefined ? undefined : JSON.stringify({ _links: { 'redirect-url': { href: redirectUrl } } })
      }, { customerId, exchangeId, content: { partner, platform, redirectUrl }, callerKey: idempotencyKey }, { 404: 'EXCHANGE_NOT_FOUND' })
      return startSession(partner, sessionPath)
    }
  }
}
