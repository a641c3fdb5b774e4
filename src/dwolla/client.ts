import { createDwollaCore, type DwollaClientOptions } from './core.js'
import { createExchangeSessions } from './exchange-sessions.js'
import { createExchanges } from './exchanges.js'
import { createFundingSources } from './funding-sources.js'
import { createWebhookSubscriptions } from './webhook-subscriptions.js'

// The surface other folders use: everything they need of Dwolla is exported here.
export { createDwollaEvents, type DwollaEvents } from './events.js'
export type { SessionStart } from './exchange-sessions.js'
export { PARTNER_NAMES, type PartnerName } from './partners.js'
export type { DwollaObserver } from './transport.js'
export { DwollaEvent } from './wire.js'

/** The only code that speaks Dwolla's wire format: the core's plumbing, with one module per resource on it. */
export function createDwollaClient (options: DwollaClientOptions) {
  const core = createDwollaCore(options)
  // A funding source from Visa is made from the customer's own exchange, which only the exchanges module reads.
  const { ownExchange, ...exchanges } = createExchanges(core)
  return {
    ...createExchangeSessions(core),
    ...exchanges,
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
