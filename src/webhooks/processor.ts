import type { FastifyBaseLogger } from 'fastify'
import type { BankLinkStore } from '../bank-links/store.js'
import type { LiveEvents, LiveEventType } from '../live-events/hub.js'
import type { DwollaEvent } from './schemas.js'

/** The topics this service acts on, and the live event each becomes. */
const HANDLED_TOPICS = {
  customer_exchange_reauth_required: 'bank-link.reauth-required',
  customer_funding_source_added: 'funding-source.added',
  customer_funding_source_verified: 'funding-source.verified',
  customer_funding_source_unverified: 'funding-source.unverified',
  customer_funding_source_removed: 'funding-source.removed'
} as const satisfies Record<string, LiveEventType>

export type HandledTopic = keyof typeof HANDLED_TOPICS

export const isHandledTopic = (topic: string): topic is HandledTopic => Object.hasOwn(HANDLED_TOPICS, topic)

const CUSTOMER_HREF = /\/customers\/([^/?#]+)$/

/**
 * What a verified, first-seen event does: the re-auth mark, the funding sources known per
 * exchange, and the live event for the customer's open streams. Safe to run again for the same
 * event (a retry after a failure): each effect is keyed by the event or by when Dwolla created it.
 * An event overtaken by a later change (a re-auth before the last successful balance check, a
 * funding-source change before its removal) changes nothing and tells nobody.
 */
export function createWebhookProcessor ({ bankLinks, liveEvents, log }: { bankLinks: BankLinkStore, liveEvents: LiveEvents, log: FastifyBaseLogger }) {
  const stands = async (event: DwollaEvent & { topic: HandledTopic }): Promise<boolean> => {
    if (event.topic === 'customer_exchange_reauth_required') return bankLinks.markReauthRequired(event.resourceId, event.created)
    if (event.topic === 'customer_funding_source_removed') {
      await bankLinks.unlinkFundingSource(event.resourceId, event.created)
      return true
    }
    return bankLinks.fundingSourceChangeStands(event.resourceId, event.created)
  }
  return async (event: DwollaEvent & { topic: HandledTopic }): Promise<void> => {
    const customerId = CUSTOMER_HREF.exec(event._links.customer?.href ?? '')?.[1]
    if (customerId === undefined) {
      log.warn({ eventId: event.id, topic: event.topic }, 'webhook event names no customer: nobody to tell')
      return
    }
    if (!await stands(event)) {
      log.info({ eventId: event.id, topic: event.topic }, 'webhook event overtaken by a later change: not acted on')
      return
    }
    const type = HANDLED_TOPICS[event.topic]
    await liveEvents.publish(customerId, {
      id: event.id,
      type,
      data: type === 'bank-link.reauth-required' ? { exchangeId: event.resourceId } : { fundingSourceId: event.resourceId },
      occurredAt: event.created
    })
  }
}

export type WebhookProcessor = ReturnType<typeof createWebhookProcessor>
