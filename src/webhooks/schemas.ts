import { Type } from '@sinclair/typebox'

export { DwollaEvent } from '../dwolla/client.js'

export const WebhookHeaders = Type.Object({
  'x-request-signature-sha-256': Type.Optional(Type.String({ description: 'Hex HMAC-SHA256 of the raw body, keyed by DWOLLA_WEBHOOK_SECRET.' })),
  'x-dwolla-topic': Type.Optional(Type.String({ description: "The event's topic, also in the body." }))
})
