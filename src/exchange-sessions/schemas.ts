import { Type, type Static } from '@sinclair/typebox'
import { PlainText } from '../plain-text.js'
import { NO_STORE } from '../problems.js'
import { CustomerId, PartnerSchema, Uuid } from '../schemas.js'
import { StringEnum } from '../string-enum.js'

export const ExchangeParams = Type.Object({
  customerId: CustomerId,
  exchangeId: Uuid("The id of the customer's exchange (a UUID), as Visa's redirect or Dwolla's webhook named it.", 'e5e9f2d3-a96c-4abd-a097-8ec7ae28aa8a')
})

const PlatformSchema = StringEnum(['web', 'ios', 'android'], {
  default: 'web',
  description: 'Where the app runs; decides which redirect Plaid needs.'
})

/** Named request examples for openapi.yaml: one per partner and platform combination worth showing. */
const REQUEST_EXAMPLES = {
  visa: { summary: 'Visa (any platform)', value: { partner: 'visa', redirectUrl: 'https://app.example.com/iav-callback' } },
  plaidWeb: { summary: 'Plaid on the web', value: { partner: 'plaid' } },
  plaidAndroid: { summary: 'Plaid on Android', value: { partner: 'plaid', platform: 'android', redirectUrl: 'com.example.app123' } },
  plaidIos: { summary: 'Plaid on iOS', value: { partner: 'plaid', platform: 'ios', redirectUrl: 'https://example.com/app123' } },
  mx: { summary: 'MX (any platform)', value: { partner: 'mx' } }
}

const RedirectUrl = PlainText({
  minLength: 1,
  maxLength: 2048,
  description: 'Where the partner sends the user back: required for Visa and for Plaid on iOS (URL) or Android (package name); absent otherwise.'
})

export const CreateExchangeSessionBody = Type.Object({
  partner: PartnerSchema,
  platform: Type.Optional(PlatformSchema),
  redirectUrl: Type.Optional(RedirectUrl)
}, { additionalProperties: false, 'x-examples': REQUEST_EXAMPLES })
export type CreateExchangeSessionBody = Static<typeof CreateExchangeSessionBody>

/** Re-authenticating an exchange: its partner is its own, learned from Dwolla. */
export const ReAuthExchangeSessionBody = Type.Object({
  platform: Type.Optional(PlatformSchema),
  redirectUrl: Type.Optional(RedirectUrl)
}, { additionalProperties: false })

const ExchangeSessionUrl = Type.String({ format: 'uri', description: "Open this URL to send the user to the partner's page." })

export const VisaExchangeSession = Type.Object({
  partner: Type.Literal('visa'),
  exchangeSessionUrl: ExchangeSessionUrl
}, { $id: 'VisaExchangeSession', additionalProperties: false, description: "Visa: where to send the user; Visa redirects back with ?exchange=." })

export const MxExchangeSession = Type.Object({
  partner: Type.Literal('mx'),
  exchangeSessionUrl: ExchangeSessionUrl
}, { $id: 'MxExchangeSession', additionalProperties: false, description: 'MX: where to send the user; MX Connect does not redirect back.' })

export const PlaidExchangeSession = Type.Object({
  partner: Type.Literal('plaid'),
  linkToken: Type.String({ description: 'Initialise Plaid Link with this token.' })
}, { $id: 'PlaidExchangeSession', additionalProperties: false, description: 'Plaid: the token to open Plaid Link with.' })

/** What the app needs to send its user on, told apart by partner (openapi.yaml maps each partner to its schema). */
export const ExchangeSession = Type.Unsafe<Static<typeof VisaExchangeSession> | Static<typeof MxExchangeSession> | Static<typeof PlaidExchangeSession>>({
  $id: 'ExchangeSession',
  oneOf: [Type.Ref('VisaExchangeSession'), Type.Ref('MxExchangeSession'), Type.Ref('PlaidExchangeSession')],
  discriminator: { propertyName: 'partner' }
})

/** The shared schemas the exchange-session responses refer to, for app.addSchema. */
export const exchangeSessionComponents = [VisaExchangeSession, MxExchangeSession, PlaidExchangeSession, ExchangeSession]

export const ExchangeSessionCreated = {
  description: 'The session is created; send the user on with what the partner needs.',
  headers: { 'cache-control': NO_STORE },
  content: {
    'application/json': {
      schema: Type.Unsafe<Static<typeof ExchangeSession>>(Type.Ref('ExchangeSession')),
      examples: {
        visa: { summary: 'Visa', value: { partner: 'visa', exchangeSessionUrl: 'https://sandbox.visa.example/session/4a8e2c' } },
        plaid: { summary: 'Plaid (web, iOS and Android alike)', value: { partner: 'plaid', linkToken: 'link-sandbox-8d1f2c3e-1b5a-4f7e-9c0d-2e6b7a9f0c11' } },
        mx: { summary: 'MX', value: { partner: 'mx', exchangeSessionUrl: 'https://int-widgets.moneydesktop.example/md/connect/yxcdk7f1' } }
      }
    }
  }
}
