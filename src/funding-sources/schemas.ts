import { Type, type Static } from '@sinclair/typebox'
import { CustomerId, PartnerSchema, Uuid } from '../schemas.js'
import { PlainText } from '../plain-text.js'
import { StringEnum } from '../string-enum.js'

const Name = PlainText({
  minLength: 1,
  maxLength: 50,
  description: "The funding source's name, as the customer will see it.",
  examples: ['Jane Doe - Checking']
})

const BankAccountType = StringEnum(['checking', 'savings'], {
  description: 'The kind of bank account.'
})

const AvailableConnectionToken = PlainText({
  minLength: 1,
  maxLength: 2048,
  description: 'An MX connection, from GET …/available-exchange-connections.'
})

export const VisaFundingSourceRequest = Type.Object({
  partner: Type.Literal('visa'),
  exchangeId: Uuid('The exchange Visa named in `?exchange=` on its redirect.', 'e5e9f2d3-a96c-4abd-a097-8ec7ae28aa8a'),
  name: Name,
  bankAccountType: BankAccountType
}, { $id: 'VisaFundingSourceRequest', additionalProperties: false, description: "Visa: the exchange its redirect named." })

export const PlaidFundingSourceRequest = Type.Object({
  partner: Type.Literal('plaid'),
  publicToken: PlainText({ minLength: 1, maxLength: 2048, description: "The public token Plaid Link's onSuccess handed the app." }),
  name: Name,
  bankAccountType: BankAccountType
}, { $id: 'PlaidFundingSourceRequest', additionalProperties: false, description: "Plaid: Link's public token." })

export const MxFundingSourceRequest = Type.Object({
  partner: Type.Literal('mx'),
  availableConnectionToken: AvailableConnectionToken,
  name: Name,
  bankAccountType: BankAccountType
}, { $id: 'MxFundingSourceRequest', additionalProperties: false, description: 'MX: the connection the user picked.' })

/**
 * What the partner's flow handed the app, by partner. A oneOf with a discriminator, so that a
 * problem is reported against the named partner's members only; the partner's own enum comes
 * first, so that an unknown partner is told the allowed ones.
 */
export const CreateFundingSourceRequest = Type.Unsafe<
  Static<typeof VisaFundingSourceRequest> | Static<typeof PlaidFundingSourceRequest> | Static<typeof MxFundingSourceRequest>
>({
  $id: 'CreateFundingSourceRequest',
  type: 'object',
  required: ['partner'],
  properties: { partner: PartnerSchema },
  discriminator: { propertyName: 'partner' },
  oneOf: [Type.Ref('VisaFundingSourceRequest'), Type.Ref('PlaidFundingSourceRequest'), Type.Ref('MxFundingSourceRequest')]
})

/** The shared schemas the funding-source request refers to, for app.addSchema. */
export const fundingSourceComponents = [VisaFundingSourceRequest, PlaidFundingSourceRequest, MxFundingSourceRequest, CreateFundingSourceRequest]

export const FundingSourceResponse = Type.Object({
  fundingSourceId: Type.String({ description: "The Dwolla funding source's id: use it to send or receive money." }),
  exchangeId: Type.String({ description: 'The exchange the funding source came from: the one to re-authenticate when the service answers REAUTH_REQUIRED.' }),
  name: Name,
  bankName: Type.String({ description: 'The bank, as Dwolla names it.' }),
  bankAccountType: BankAccountType,
  status: Type.String({ description: '`verified` once Instant Account Verification succeeded.', examples: ['verified'] })
}, { additionalProperties: false })

export const AvailableExchangeConnectionsResponse = Type.Object({
  connections: Type.Array(Type.Object({
    name: Type.String({ description: 'The account, as MX names it.', examples: ['XYZ Checking'] }),
    availableConnectionToken: AvailableConnectionToken
  }, { additionalProperties: false }))
}, { additionalProperties: false })

export const FundingSourceParams = Type.Object({
  customerId: CustomerId,
  fundingSourceId: Uuid("The id of the customer's funding source (a UUID), as POST …/funding-sources answered it.", 'c2eb3f03-1b0e-4d18-a4a2-e552cc111418')
})

const Amount = Type.Object({
  value: Type.String({ description: 'A decimal amount, as Dwolla writes it.', examples: ['542.00'] }),
  currency: Type.String({ description: 'ISO 4217 currency code.', examples: ['USD'] })
}, { additionalProperties: false })

export const BalanceResponse = Type.Object({
  available: Type.Optional({
    ...Amount,
    description: 'What the customer can withdraw, pending debits and credits included: the one to check before a transfer. Not every bank reports it.'
  }),
  closing: { ...Amount, description: "The settled balance as of the end of the previous business day." },
  lastUpdated: Type.String({ format: 'date-time', description: 'When Dwolla last retrieved the balance from the open banking partner.' })
}, { additionalProperties: false })
