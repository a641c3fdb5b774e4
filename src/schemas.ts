/** The request schemas every feature shares: Dwolla ids, the customer path, the Idempotency-Key header, the partner. */
import { Type } from '@sinclair/typebox'
import { PARTNER_NAMES } from './dwolla/client.js'
import { StringEnum } from './string-enum.js'

/** Dwolla's resource ids are UUIDs. */
export const Uuid = (description: string, example: string) => Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  description,
  examples: [example]
})

export const CustomerId = Uuid("The Dwolla Customer's id (a UUID).", '74a207b2-b7b7-4efa-8bf8-582148e7b980')

export const CustomerParams = Type.Object({ customerId: CustomerId })

/** The Idempotency-Key header of a create, described by what a retry does not create twice. */
export const idempotencyHeaders = (created: string) => Type.Object({
  'idempotency-key': Type.Optional(Type.String({
    pattern: '^[\\x21-\\x7E]{1,255}$',
    description: `Repeat the same key with the same body to retry safely: the same answer, and no second ${created} is created. ` +
      "The key sent to Dwolla is derived from it, the operation, the customer, the exchange and the request's content, " +
      "so the same key from another customer or with another body is an independent create, never another request's answer. " +
      'Dwolla keeps keys for 24 hours: a retry after that creates anew. Without a key, every call is its own create.'
  }))
})

export const PartnerSchema = StringEnum(PARTNER_NAMES, {
  description: 'The open banking partner that verifies the bank account.'
})
