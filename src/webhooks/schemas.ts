import { Type, type Static } from '@sinclair/typebox'

const Link = Type.Object({ href: Type.String({ minLength: 1 }) })

/** Dwolla's event, as each webhook carries it; members not listed are allowed and ignored. */
export const DwollaEvent = Type.Object({
  id: Type.String({
    // Dwolla's ids are UUIDs; nothing else (a line break least of all) reaches the inbox or a stream.
    pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
    description: "The event's id, a UUID: Dwolla's retries and duplicates repeat it."
  }),
  topic: Type.String({ minLength: 1, maxLength: 128, examples: ['customer_exchange_reauth_required'] }),
  resourceId: Type.String({ minLength: 1, maxLength: 128, description: 'The exchange or funding source the event is about.' }),
  created: Type.String({ format: 'date-time', description: 'When Dwolla created the event (ISO-8601); events more than 30 days old are acknowledged and not acted on.' }),
  _links: Type.Object({
    resource: Link,
    customer: Type.Optional(Link)
  })
}, { description: "Dwolla's webhook event; see Dwolla's webhook events reference." })
export type DwollaEvent = Static<typeof DwollaEvent>

export const WebhookHeaders = Type.Object({
  'x-request-signature-sha-256': Type.Optional(Type.String({ description: 'Hex HMAC-SHA256 of the raw body, keyed by DWOLLA_WEBHOOK_SECRET.' })),
  'x-dwolla-topic': Type.Optional(Type.String({ description: "The event's topic, also in the body." }))
})
