import { Type } from '@sinclair/typebox'
import { CustomerId } from '../schemas.js'

export const EventsParams = Type.Object({ customerId: CustomerId })

export const EventsHeaders = Type.Object({
  'last-event-id': Type.Optional(Type.String({
    maxLength: 128,
    description: 'Sent by EventSource when it reconnects: the events after this one that the service still keeps (the last 50 per customer, ' +
      'shared by every replica) are sent first, in order; when this id is unknown or older than those, `event: resync` is sent instead.'
  }))
})

const OccurredAt = Type.String({ format: 'date-time', description: 'When Dwolla created the event.' })

const ReauthRequired = Type.Object({
  exchangeId: Type.String({ description: 'The exchange to re-authenticate: show "Reconnect your bank".' }),
  occurredAt: OccurredAt
}, { title: 'bank-link.reauth-required', additionalProperties: false, description: '`event: bank-link.reauth-required`' })

const FundingSourceChanged = Type.Object({
  fundingSourceId: Type.String(),
  occurredAt: OccurredAt
}, {
  title: 'funding-source.*',
  additionalProperties: false,
  description: '`event: funding-source.added`, `funding-source.verified`, `funding-source.unverified` or `funding-source.removed`'
})

const Resync = Type.Object({}, {
  title: 'resync',
  additionalProperties: false,
  description: '`event: resync`: the events after the `Last-Event-ID` sent are no longer kept (or, rarely, the replica was cut off ' +
    'from the shared history for longer than it keeps). Re-read `GET …/bank-links`; ' +
    'its `id:` is the newest event kept (empty when none is), so the next reconnection resumes from there.'
})

/** What a stream carries, for the contract: each message's `data:` line, by its `event:` name. */
export const EventStream = Type.String({
  description: "Server-Sent Events. Each message has `id:` (the Dwolla event's id, visible ASCII: resume with `Last-Event-ID` on any replica), " +
    '`event:` (the type) and one `data:` line of JSON (see x-event-data). Lines starting with `:` are heartbeats. The first message is ' +
    '`retry:`, the reconnection delay; at shutdown a last, shorter `retry:` comes before the end.',
  examples: ['retry: 2000\n\nid: 9c949341-653e-41f3-a27c-00c772e41061\nevent: bank-link.reauth-required\ndata: {"exchangeId":"e5e9f2d3-a96c-4abd-a097-8ec7ae28aa8a","occurredAt":"2026-11-26T16:00:00.000Z"}\n\n'],
  'x-event-data': { oneOf: [ReauthRequired, FundingSourceChanged, Resync] }
})
