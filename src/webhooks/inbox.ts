import { Lru } from 'toad-cache'
import type { Metrics } from '../metrics/registry.js'
import { isHandledTopic, type HandledTopic, type WebhookProcessor } from './processor.js'
import type { DwollaEvent } from './schemas.js'

/**
 * Where verified events wait for their work: the webhook route and the catch-up from Dwolla's
 * event log both hand events to it. `accept` resolves once the event is kept durably (Redis) or
 * its work is done (memory), and rejects when neither could be: Dwolla must then send it again.
 */
export interface WebhookInbox {
  accept (event: DwollaEvent): Promise<'accepted' | 'duplicate'>
  close (): Promise<void>
}

export type HandledEvent = DwollaEvent & { topic: HandledTopic }

const DAY_MS = 24 * 60 * 60 * 1000
/** Dwolla keeps events 30 days: an older one can only be a replay of a captured webhook. */
const MAX_EVENT_AGE_MS = 30 * DAY_MS
/** Done ids outlive the oldest event Dwolla's event log can bring back. */
export const DONE_FOR_MS = 31 * DAY_MS
/** Done ids one process remembers: about 10 MiB, far more than 31 days of a typical account's events. */
const MEMORY_DONE_IDS = 100_000

type WebhookMetrics = Metrics['webhooks']

/** What the inbox keeps of an event: the members the work reads, nothing else. */
export const keptOf = ({ id, topic, resourceId, created, _links: { resource, customer } }: HandledEvent): HandledEvent =>
  ({ id, topic, resourceId, created, _links: { resource, ...(customer && { customer }) } })

/** Acknowledges without keeping what the service does not act on: other topics, and events too old to be genuine. */
export function screened (keep: (event: HandledEvent) => Promise<'accepted' | 'duplicate'>, metrics: WebhookMetrics): WebhookInbox['accept'] {
  return async (event) => {
    const { topic } = event
    if (!isHandledTopic(topic)) {
      metrics.ignored.inc({ reason: 'topic' })
      return 'accepted'
    }
    if (Date.now() - Date.parse(event.created) > MAX_EVENT_AGE_MS) {
      metrics.ignored.inc({ reason: 'expired' })
      return 'accepted'
    }
    return keep({ ...event, topic })
  }
}

/**
 * One process's inbox: the work is done before the answer, so a failure is a 503 and Dwolla's
 * retry is the retry. A redelivery while the first is at work waits for it rather than doing it twice.
 */
export function createMemoryInbox (process: WebhookProcessor, metrics: WebhookMetrics): WebhookInbox {
  const done = new Lru<true>(MEMORY_DONE_IDS, DONE_FOR_MS)
  const inFlight = new Map<string, Promise<void>>()
  return {
    accept: screened(async (event) => {
      if (done.get(event.id)) return 'duplicate'
      const running = inFlight.get(event.id)
      if (running) {
        await running
        return 'duplicate'
      }
      const work = process(event).finally(() => inFlight.delete(event.id))
      inFlight.set(event.id, work)
      await work
      done.set(event.id, true)
      return 'accepted'
    }, metrics),
    async close () {}
  }
}
