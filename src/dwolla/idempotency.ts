import { createHash, randomUUID } from 'node:crypto'
import type { Operation } from './transport.js'

/** Everything that makes one Dwolla create what it is. */
export interface CreateScope {
  customerId: string
  /** The exchange the create is about, when there is one. */
  exchangeId?: string
  /** The caller's request as far as it shapes the create: partner, platform, redirect URL, name, tokens… */
  content: Readonly<Record<string, string | undefined>>
  /** The caller's Idempotency-Key, if it sent one. */
  callerKey: string | undefined
}

/**
 * The Idempotency-Key of a Dwolla create. Dwolla matches keys per application account, not per
 * customer or body, so the key is a SHA-256 of the operation, the customer, the exchange, the
 * request's content and the caller's key: the same call retried gets the same key (and Dwolla's
 * first answer), anything else an independent create. Shaped as a UUID (version 8, RFC 9562),
 * the form Dwolla's page recommends. Without a caller's key nothing can repeat the create, so a
 * fresh random UUID serves as well, and spares every such request the hashing.
 */
export function dwollaIdempotencyKey (operation: Operation, { customerId, exchangeId, content, callerKey }: CreateScope): string {
  if (callerKey === undefined) return randomUUID()
  // Sorted, and absent the same as undefined, so that member order never makes another key.
  const members = Object.keys(content).filter((name) => content[name] !== undefined).sort().map((name) => [name, content[name]])
  const hex = createHash('sha256').update(JSON.stringify([operation, customerId, exchangeId ?? null, members, callerKey])).digest('hex')
  const variant = (8 + (parseInt(hex.charAt(16), 16) % 4)).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
