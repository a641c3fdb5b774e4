import type { SharedState } from '../shared-state.js'

/** What the app hears of its customer's bank links, as they happen. */
export type LiveEventType =
  | 'bank-link.reauth-required'
  | 'funding-source.added' | 'funding-source.verified' | 'funding-source.unverified' | 'funding-source.removed'

export interface LiveEvent {
  /** The Dwolla event's id: the same on every replica, so a reconnecting client resumes after it. */
  id: string
  type: LiveEventType
  data: { exchangeId: string } | { fundingSourceId: string }
  /** When Dwolla created the event. */
  occurredAt: string
}

const CHANNEL = 'bff:live-events'
/** Events kept per customer for clients that reconnect with Last-Event-ID. */
const RECENT_PER_CUSTOMER = 50
/** Customers whose recent events are kept; the least recently active are forgotten first. */
const RECENT_CUSTOMERS = 10_000

/**
 * Live events by customer: published by whichever replica received the webhook, delivered to the
 * streams every replica holds (through the shared state's broadcast), and kept a little while
 * so a stream that reconnects misses nothing.
 */
export async function createLiveEvents (state: SharedState) {
  const listeners = new Map<string, Set<(event: LiveEvent) => void>>()
  const recent = new Map<string, LiveEvent[]>()

  await state.subscribe(CHANNEL, (message) => {
    const { customerId, event } = JSON.parse(message) as { customerId: string, event: LiveEvent }
    const kept = recent.get(customerId) ?? []
    recent.delete(customerId)
    recent.set(customerId, [...kept, event].slice(-RECENT_PER_CUSTOMER))
    if (recent.size > RECENT_CUSTOMERS) recent.delete(recent.keys().next().value as string)
    for (const listener of listeners.get(customerId) ?? []) listener(event)
  })

  return {
    publish: (customerId: string, event: LiveEvent) => state.publish(CHANNEL, JSON.stringify({ customerId, event })),
    /**
     * Calls the listener with each new event of the customer; answers the kept events after
     * lastEventId (none when it is unknown or absent) and how to stop listening.
     */
    listen (customerId: string, lastEventId: string | undefined, listener: (event: LiveEvent) => void) {
      const customerListeners = listeners.get(customerId) ?? new Set()
      listeners.set(customerId, customerListeners.add(listener))
      const kept = recent.get(customerId) ?? []
      const resumeAt = kept.findIndex((event) => event.id === lastEventId)
      return {
        missed: resumeAt === -1 ? [] : kept.slice(resumeAt + 1),
        stop () {
          customerListeners.delete(listener)
          if (customerListeners.size === 0) listeners.delete(customerId)
        }
      }
    }
  }
}

export type LiveEvents = Awaited<ReturnType<typeof createLiveEvents>>
