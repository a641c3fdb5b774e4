import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createSigner, type Algorithm } from 'fast-jwt'

export const ISSUER = 'https://id.example.com/'
export const AUDIENCE = 'dwolla-bff'
export const HS256_SECRET = 'a-test-hs256-secret-of-at-least-32-bytes'

const pemPair = (type: 'rsa' | 'ec') => {
  const { publicKey, privateKey } = type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return {
    publicKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  }
}
export const rsa = pemPair('rsa')
export const ec = pemPair('ec')

/** The environment of a service that verifies HS256 tokens. */
export const hsEnv = { AUTH_MODE: 'jwt', JWT_SECRET: HS256_SECRET, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE }

export interface TokenOptions {
  key?: string
  algorithm?: Algorithm
  kid?: string
  iss?: string
  aud?: string
  /** Any value, as a broken identity provider might send it; undefined: no sub claim. */
  sub?: unknown
  /** Lifetime in ms; null: no exp claim. */
  expiresIn?: number | null
  notBefore?: number
  /** When the token was issued, in ms since the epoch; null: no iat claim. */
  issuedAt?: number | null
  claims?: Record<string, unknown>
}

/** A caller token as an identity provider would issue it; HS256 with HS256_SECRET unless told. */
export function token (customerId: unknown, options: TokenOptions = {}) {
  const { key = HS256_SECRET, algorithm = 'HS256', kid, iss = ISSUER, aud = AUDIENCE, sub = 'user-1', expiresIn = 60_000, notBefore, issuedAt, claims } = options
  const sign = createSigner({
    key, algorithm, iss, aud, ...(expiresIn !== null && { expiresIn }), ...(kid && { kid }), ...(notBefore && { notBefore }),
    ...(issuedAt === null ? { noTimestamp: true } : issuedAt && { clockTimestamp: issuedAt })
  })
  return sign({ sub, dwolla_customer_id: customerId, ...claims })
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A token the signer would refuse to make: any header, any claims, any signature. */
export function forgedToken (header: Record<string, unknown>, claims: Record<string, unknown>, signature = '') {
  return `${base64url(header)}.${base64url(claims)}.${signature}`
}

/** A public key as a JWKS endpoint lists it. */
export const jwk = (publicKey: KeyObject, kid: string, alg: string) => ({ ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' })

/** An HS256 token over any claims, also ones the signer would refuse to write. */
export function hsToken (claims: Record<string, unknown>) {
  const unsigned = forgedToken({ alg: 'HS256', typ: 'JWT' }, claims).slice(0, -1)
  return `${unsigned}.${createHmac('sha256', HS256_SECRET).update(unsigned).digest('base64url')}`
}
