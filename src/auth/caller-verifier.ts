import { createVerifier, TokenError, type DecodedJwt } from 'fast-jwt'
import type { FastifyBaseLogger } from 'fastify'
import type { AuthConfig } from '../config/shape.js'
import { Problem } from '../problems.js'
import { createJwksKeySource, type JwksKeySource } from './jwks.js'

/** Who is calling, as the verified token says. */
export interface Caller {
  /** The token's `sub`: the key the rate limit counts by. */
  subject: string
  /** The configured customer claim: the only Dwolla customer this caller may act for. */
  customerId: unknown
  /** When the token expires (ms since the epoch): what it opened ends then, such as a live-event stream. */
  expiresAt: number
}

export type JwtAuth = Extract<AuthConfig, { mode: 'jwt' }>

/** RFC 6750 3: the challenge of every 401; a presented but bad token adds error="invalid_token". */
export const BEARER_CHALLENGE = 'Bearer realm="dwolla-open-banking-bff"'
const INVALID_TOKEN_CHALLENGE = `${BEARER_CHALLENGE}, error="invalid_token"`

// Tolerates small clock differences between the identity provider and this service.
const CLOCK_SKEW_MS = 30_000

const refuse = (detail: string, cause?: unknown) => new Problem('UNAUTHENTICATED', detail, { challenge: INVALID_TOKEN_CHALLENGE, cause })

/** A key source's Problem as the caller sees it: a refused token carries the challenge. */
const asCallerProblem = (problem: Problem) => problem.code === 'UNAUTHENTICATED' ? refuse(problem.message) : problem

/** The claims fast-jwt leaves to us: a real subject, an iat not in the future, a bounded lifetime. */
function checkClaims (claims: Record<string, unknown>, maxLifetimeSeconds: number): string {
  const { sub, iat, exp } = claims
  if (typeof sub !== 'string' || sub === '') throw refuse('The sub claim must be a non-empty string.')
  const now = Date.now() / 1000
  if (iat !== undefined && typeof iat !== 'number') throw refuse('The iat claim must be a number.')
  if (iat !== undefined && iat > now + CLOCK_SKEW_MS / 1000) throw refuse('The token is issued in the future (iat).')
  // Without iat the lifetime counts from now: such a token may not outlive the maximum from here.
  if ((exp as number) - (iat ?? now) > maxLifetimeSeconds) {
    throw refuse(`The token's lifetime (exp - iat) exceeds ${maxLifetimeSeconds} seconds.`)
  }
  return sub
}

/**
 * Verifies a caller's JWT, prepared once: algorithms pinned to the key type, exp, iss, aud and sub
 * required; a failed JWKS fetch is logged. Throws UNAUTHENTICATED for any token that fails, UPSTREAM_UNAVAILABLE when the key set
 * cannot be fetched.
 */
export function createCallerVerifier ({ key, issuer, audience, customerClaim, maxLifetimeSeconds }: JwtAuth,
  log: FastifyBaseLogger, { cache = true } = {}) {
  const options = {
    algorithms: key.algorithms,
    allowedIss: issuer,
    allowedAud: audience,
    requiredClaims: ['exp', 'iss', 'aud', 'sub'],
    clockTolerance: CLOCK_SKEW_MS,
    cache,
    // The token itself is the key, not fast-jwt's SHA-256 of it: no two tokens share a key, and the
    // cache is an LRU of fast-jwt's bounded size holding tokens the header limit bounds, so memory stays bounded.
    cacheKeyBuilder: (token: string) => token,
    complete: true,
    // fast-jwt caches errors for the clock tolerance; a key source's never, so a token refused while
    // the key set was unreachable is verified afresh.
    errorCacheTTL: (error: TokenError) => error.code === TokenError.codes.keyFetchingError ? -CLOCK_SKEW_MS - 1 : -1
  }
  let keys: JwksKeySource | undefined
  let verify: (token: string) => unknown
  if (key.source === 'jwks') {
    const source = createJwksKeySource(key.url, key.algorithms, key.timing,
      (error) => log.warn({ err: error }, 'caller key set (JWT_JWKS_URL) fetch failed'))
    keys = source
    verify = createVerifier({ ...options, key: async ({ header }: DecodedJwt) => source.keyFor(header) })
  } else {
    verify = createVerifier({ ...options, key: key.source === 'secret' ? key.secret : key.pem })
  }

  return async (token: string): Promise<Caller> => {
    let decoded: DecodedJwt
    try {
      decoded = await verify(token) as DecodedJwt
    } catch (error) {
      const cause = (error as TokenError).originalError
      if (cause instanceof Problem) throw asCallerProblem(cause)
      // fast-jwt throws only TokenErrors; their messages never carry the token.
      throw refuse((error as TokenError).message, error)
    }
    // Also for a cached verification: a key the set no longer lists is refused from then on.
    if (keys) await keys.keyFor(decoded.header).catch((problem: Problem) => { throw asCallerProblem(problem) })
    const claims = decoded.payload as Record<string, unknown>
    return { subject: checkClaims(claims, maxLifetimeSeconds), customerId: claims[customerClaim], expiresAt: (claims.exp as number) * 1000 }
  }
}
