import { Type, type Static } from '@sinclair/typebox'

/** A Dwolla Customer id. */
export const CustomerId = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  description: "The Dwolla Customer's id (a UUID).",
  examples: ['74a207b2-b7b7-4efa-8bf8-582148e7b980']
})

export const CustomerParams = Type.Object({ customerId: CustomerId })

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({
    pattern: '^[\\x21-\\x7E]{1,255}$',
    description: 'Repeat the same key to retry safely: no second session is created.'
  }))
})

export const PartnerSchema = Type.Union([Type.Literal('visa'), Type.Literal('plaid'), Type.Literal('mx')], {
  description: 'The open banking partner that verifies the bank account.'
})

export const PlatformSchema = Type.Union([Type.Literal('web'), Type.Literal('ios'), Type.Literal('android')], {
  default: 'web',
  description: 'Where the app runs; decides which redirect Plaid needs.'
})

export const CreateExchangeSessionBody = Type.Object({
  partner: PartnerSchema,
  platform: Type.Optional(PlatformSchema),
  redirectUrl: Type.Optional(Type.String({
    minLength: 1,
    maxLength: 2048,
    description: 'Where the partner sends the user back: required for Visa and for Plaid on iOS (URL) or Android (package name); absent otherwise.'
  }))
}, { additionalProperties: false })
export type CreateExchangeSessionBody = Static<typeof CreateExchangeSessionBody>

export const ExchangeSessionUrlResponse = Type.Object({
  partner: Type.Union([Type.Literal('visa'), Type.Literal('mx')]),
  exchangeSessionUrl: Type.String({ format: 'uri', description: "Open this URL to send the user to the partner's page." })
}, { additionalProperties: false })

export const LinkTokenResponse = Type.Object({
  partner: Type.Literal('plaid'),
  linkToken: Type.String({ description: 'Initialise Plaid Link with this token.' })
}, { additionalProperties: false })

export const ExchangeSessionResponse = Type.Union([ExchangeSessionUrlResponse, LinkTokenResponse])
