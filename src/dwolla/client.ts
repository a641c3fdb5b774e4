import { createDwollaCore, type DwollaClientOptions } from './core.js'
import { createExchangeSessions } from './exchange-sessions.js'
import { createExchanges } from './exchanges.js'
import { createFundingSources } from './funding-sources.js'
import { createWebhookSubscriptions } from './webhook-subscriptions.js'

// The surface other folders use: everything they need of Dwolla is exported here.
export type { DwollaClientOptions } from './core.js'
export { createDwollaEvents, type DwollaEvents, type EventsPage } from './events.js'
export type { CreateExchangeSession, CreateReAuthExchangeSession, SessionStart } from './exchange-sessions.js'
export type { AvailableConnection, CustomerExchange } from './exchanges.js'
export type { CreateFundingSource, PartnerGrant, VerifiedBank } from './funding-sources.js'
export { PARTNER_NAMES, type PartnerName } from './partners.js'
export type { DwollaObserver } from './transport.js'
export { DwollaEvent, type Balance, type BankAccountType, type WebhookSubscription } from './wire.js'

/** The only code that speaks Dwolla's wire format: the core's plumbing, with one module per resource on it. */
export function createDwollaClient (options: DwollaClientOptions) {
  const core = createDwollaCore(options)
  const exchanges = createExchanges(core)
  const { ownExchange, ...exchangeCalls } = exchanges
  return {
    ...createExchangeSessions(core),
    ...exchangeCalls,
    ...createFundingSources(core, { ownExchange }),
    ...createWebhookSubscriptions(core),
    /** The authorized-call plumbing, for the resource modules built on this client (see events.ts). */
    authorized: core.authorized,
    retrieve: core.retrieve,
    ready: core.ready,
    close: core.close
  }
}

export type DwollaClient = ReturnType<typeof createDwollaClient>
