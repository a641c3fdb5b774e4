import { Type, type Static } from '@sinclair/typebox'

/** Dwolla's resource ids are UUIDs. */
export const Uuid = (description: string, example: string) => Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  description,
  examples: [example]
})

export const CustomerId = Uuid("The Dwolla Customer's id (a UUID).", '74a207b2-b7b7-4efa-8bf8-582148e7b980')

export const CustomerParams = Type.Object({ customerId: CustomerId })

export const ExchangeParams = Type.Object({
  customerId: CustomerId,
  exchangeId: Uuid("The id of the customer's exchange (a UUID), as Visa's redirect or Dwolla's webhook named it.", 'e5e9f2d3-a96c-4abd-a097-8ec7ae28aa8a')
})

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

const RedirectUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'Where the partner sends the user back: required for Visa and for Plaid on iOS (URL) or Android (package name); absent otherwise.'
})

export const CreateExchangeSessionBody = Type.Object({
  partner: PartnerSchema,
  platform: Type.Optional(PlatformSchema),
  redirectUrl: Type.Optional(RedirectUrl)
}, { additionalProperties: false })
export type CreateExchangeSessionBody = Static<typeof CreateExchangeSessionBody>

/** Re-authenticating an exchange: its partner is its own, learned from Dwolla. */
export const ReAuthExchangeSessionBody = Type.Object({
  platform: Type.Optional(PlatformSchema),
  redirectUrl: Type.Optional(RedirectUrl)
}, { additionalProperties: false })

export const ExchangeSessionUrlResponse = Type.Object({
  partner: Type.Union([Type.Literal('visa'), Type.Literal('mx')]),
  exchangeSessionUrl: Type.String({ format: 'uri', description: "Open this URL to send the user to the partner's page." })
}, { additionalProperties: false })

export const LinkTokenResponse = Type.Object({
  partner: Type.Literal('plaid'),
  linkToken: Type.String({ description: 'Initialise Plaid Link with this token.' })
}, { additionalProperties: false })

export const ExchangeSessionResponse = Type.Union([ExchangeSessionUrlResponse, LinkTokenResponse])
