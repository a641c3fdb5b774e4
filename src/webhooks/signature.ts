import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Whether the X-Request-Signature-SHA-256 header is the hex HMAC-SHA256 of the raw body keyed by
 * the webhook secret; compared in constant time, so the comparison leaks nothing of the right value.
 */
export function isDwollaSignature (secret: string, rawBody: Buffer, header: string): boolean {
  const expected = Buffer.from(createHmac('sha256', secret).update(rawBody).digest('hex'))
  const given = Buffer.from(header.toLowerCase())
  return given.length === expected.length && timingSafeEqual(given, expected)
}
