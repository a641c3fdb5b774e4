import { DwollaEvent } from '../webhooks/schemas.js'
import { refusalProblem, type DwollaClient, type WebhookSubscription } from './client.js'
import { compile, isEventsPage, isWebhookSubscription } from './wire.js'

const isDwollaEvent = compile(DwollaEvent)

/** An entry the service can use: Dwolla's event, with a `created` that is a time. */
const isUsableEvent = (entry: unknown): entry is DwollaEvent => isDwollaEvent(entry) && !Number.isNaN(Date.parse(entry.created))

/** One page of Dwolla's event log: the entries that are events, and how many were not. */
export interface EventsPage {
  events: DwollaEvent[]
  /** Entries skipped because they do not match Dwolla's event (logged and counted by the caller). */
  malformed: number
}

/** Dwolla's event log and the pausing of webhook subscriptions, on the client's authorized calls. */
export function createDwollaEvents ({ authorized, retrieve }: Pick<DwollaClient, 'authorized' | 'retrieve'>) {
  return {
    /** A page of `GET /events`, newest first. */
    async listEvents (limit: number, offset: number): Promise<EventsPage> {
      const page = await retrieve('listEvents', `/events?limit=${limit}&offset=${offset}`, isEventsPage)
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

    /** Pauses or unpauses (resumes) a webhook subscription; answers it as it now is. */
    async setWebhookSubscriptionPaused (id: string, paused: boolean): Promise<WebhookSubscription> {
      const operation = 'updateWebhookSubscription'
      const response = await authorized(operation, { method: 'POST', path: `/webhook-subscriptions/${encodeURIComponent(id)}`, body: JSON.stringify({ paused }) })
      if (response.status === 200 && isWebhookSubscription(response.body)) {
        const { url, created } = response.body
        return { id: response.body.id, url, paused: response.body.paused, created }
      }
      throw refusalProblem(operation, response, [], { 404: 'NOT_FOUND' })
    }
  }
}

export type DwollaEvents = ReturnType<typeof createDwollaEvents>
