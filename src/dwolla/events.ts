import type { DwollaCore } from './core.js'
import { pauseWebhookSubscriptions } from './webhook-subscriptions.js'
import { isDwollaEvent, isEventsPage, type DwollaEvent } from './wire.js'

/** An entry the service can use: Dwolla's event, with a `created` that is a time. */
const isUsableEvent = (entry: unknown): entry is DwollaEvent => isDwollaEvent(entry) && !Number.isNaN(Date.parse(entry.created))

/** One page of Dwolla's event log: the entries that are events, and how many were not. */
interface EventsPage {
  events: DwollaEvent[]
  /** Entries skipped because they do not match Dwolla's event (logged and counted by the caller). */
  malformed: number
}

/** Dwolla's event log, and the pausing of the subscriptions that deliver it, on the client's authorized calls. */
export function createDwollaEvents (core: Pick<DwollaCore, 'authorized' | 'retrieve'>) {
  return {
    /** A page of `GET /events`, newest first. */
    async listEvents (limit: number, offset: number): Promise<EventsPage> {
      const page = await core.retrieve('listEvents', `/events?limit=${limit}&offset=${offset}`, isEventsPage)
      const events: DwollaEvent[] = []
      for (const entry of page._embedded.events) {
        // Only what the service reads travels on: the account and self links stay here.
        if (isUsableEvent(entry)) {
          const { id, topic, resourceId, created, _links: { resource, customer } } = entry
          events.push({ id, topic, resourceId, created, _links: customer === undefined ? { resource } : { resource, customer } })
        }
      }
      return { events, malformed: page._embedded.events.length - events.length }
    },

    setWebhookSubscriptionPaused: pauseWebhookSubscriptions(core)
  }
}

export type DwollaEvents = ReturnType<typeof createDwollaEvents>
