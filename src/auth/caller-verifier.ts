import { createVerifier, type DecodedJwt, type TokenError } from 'fast-jwt'
import buildGetJwks from 'get-jwks'
import type { AuthConfig } from '../config.js'
import { Problem } from '../problems.js'

/** Who is calling, as the verified token says. */
export interface Caller {
  /** The token's `sub`: the key the rate limit counts by. */
  subject: string
  /** The configured customer claim: the only Dwolla customer this caller may act for. */
  customerId: unknown
}

export type JwtAuth = Extract<AuthConfig, { mode: 'jwt' }>

/** RFC 6750 3: the challenge of every 401; a presented but bad token adds error="invalid_token". */
export const BEARER_CHALLENGE = 'Bearer realm="dwolla-open-banking-bff"'
const INVALID_TOKEN_CHALLENGE = `${BEARER_CHALLENGE}, error="invalid_token"`

// Tolerates small clock differences between the identity provider and this service.
const CLOCK_SKEW_MS = 30_000

/** A JWKS key fetcher: keys cached by kid, so a rotated key (a new kid) is fetched when first seen. */
function jwksKey (url: string) {
  const { origin, pathname, search } = new URL(url)
  const jwks = buildGetJwks({ jwksPath: pathname + search })
  return async ({ header }: DecodedJwt) => jwks.getPublicKey({ domain: origin, alg: header.alg, kid: header.kid })
}

/**
 * Verifies a caller's JWT, prepared once: algorithms pinned to the key type, exp, iss, aud and sub
 * required. Throws UNAUTHENTICATED for any token that fails.
 */
export function createCallerVerifier ({ key, issuer, audience, customerClaim }: JwtAuth, { cache = true } = {}) {
  const options = {
    algorithms: key.algorithms,
    allowedIss: issuer,
    allowedAud: audience,
    requiredClaims: ['exp', 'iss', 'aud', 'sub'],
    clockTolerance: CLOCK_SKEW_MS,
    cache
  }
  const verify = key.source === 'jwks'
    ? createVerifier({ ...options, key: jwksKey(key.url) })
    : createVerifier({ ...options, key: key.source === 'secret' ? key.secret : key.pem })

  return async (token: string): Promise<Caller> => {
    let claims: Record<string, unknown>
    try {
      claims = await verify(token)
    } catch (error) {
      // fast-jwt throws only TokenErrors; their messages never carry the token.
      throw new Problem('UNAUTHENTICATED', (error as TokenError).message, { challenge: INVALID_TOKEN_CHALLENGE, cause: error })
    }
    return { subject: String(claims.sub), customerId: claims[customerClaim] }
  }
}
