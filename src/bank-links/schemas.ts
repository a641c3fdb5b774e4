import { Type } from '@sinclair/typebox'

const BankLink = Type.Object({
  exchangeId: Type.String({ description: 'The Dwolla exchange: re-authenticate it with POST …/exchanges/{exchangeId}/exchange-sessions.' }),
  partner: Type.String({ description: "The open banking partner, as Dwolla names it in lowercase: visa, plaid, mx (or another partner Dwolla lists).", examples: ['visa'] }),
  status: Type.String({ description: "Dwolla's status of the exchange: active, deactivated or removed.", examples: ['active'] }),
  created: Type.String({ format: 'date-time' }),
  fundingSourceIds: Type.Array(Type.String(), { description: 'The funding sources this service created from the exchange.' }),
  reauthRequired: Type.Boolean({
    description: 'A Dwolla webhook or a balance check said the bank connection needs re-authentication, and no balance check has succeeded since: show "Reconnect your bank".'
  })
}, { additionalProperties: false })

export const BankLinksResponse = Type.Object({
  bankLinks: Type.Array(BankLink)
}, { additionalProperties: false })
