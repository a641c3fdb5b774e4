import { fastifyCookie } from '@fastify/cookie'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { LruMap } from 'toad-cache'
import { BEARER_CHALLENGE, createCallerVerifier, type Caller, type JwtAuth } from '../auth/caller-verifier.js'
import type { AuthConfig } from '../config/shape.js'
import { Problem } from '../problems.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller of a /v1 route; undefined when AUTH_MODE is none. */
    caller: Caller | undefined
  }
}

/**
 * The header a cookie-authenticated browser request must carry: no form or simple request can set
 * it, so a cross-site page cannot send it without a CORS preflight that we refuse.
 */
export const CSRF_HEADER = 'x-requested-with'
export const CSRF_HEADER_VALUE = 'fetch'

const MAX_BLOCKED_IPS = 10_000

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const BEARER = /^Bearer +(\S+) *$/i

export interface CallerGuardOptions {
  auth: AuthConfig
  corsOrigins: readonly string[]
}

/** The caller's token from Authorization: Bearer or, for web apps, the session cookie. */
async function createAuthenticator (app: FastifyInstance, auth: JwtAuth, corsOrigins: readonly string[]) {
  const verify = createCallerVerifier(auth, app.log)
  const allowedOrigins = new Set(corsOrigins)
  const { cookie } = auth
  // Cookies are parsed only here, for the one cookie we read, not on every request.
  if (cookie !== undefined) await app.register(fastifyCookie, { hook: false })

  return async (request: FastifyRequest): Promise<Caller> => {
    const header = request.headers.authorization
    if (header !== undefined) {
      const token = BEARER.exec(header)?.[1]
      if (token === undefined) throw new Problem('UNAUTHENTICATED', 'Send the token as Authorization: Bearer <token>.', { challenge: BEARER_CHALLENGE })
      return verify(token)
    }
    const token = cookie === undefined ? undefined : app.parseCookie(request.headers.cookie ?? '')[cookie]
    if (token === undefined) throw new Problem('UNAUTHENTICATED', 'A bearer token is required.', { challenge: BEARER_CHALLENGE })
    // Browsers attach cookies to cross-site requests; only our own pages' fetches may change state.
    if (!SAFE_METHODS.has(request.method) &&
      (!allowedOrigins.has(request.headers.origin ?? '') || request.headers[CSRF_HEADER] !== CSRF_HEADER_VALUE)) {
      throw new Problem('FORBIDDEN', `A cookie-authenticated ${request.method} needs an allowed Origin and ${CSRF_HEADER}: ${CSRF_HEADER_VALUE}.`)
    }
    return verify(token)
  }
}

/**
 * Guards every /v1 route, present and future: the caller is authenticated, counted against its
 * rate limit, and may act only for the customer its token names. Nothing reaches Dwolla otherwise.
 */
export const callerGuard = fp(async (app: FastifyInstance, { auth, corsOrigins }: CallerGuardOptions) => {
  app.decorateRequest('caller', undefined)
  if (auth.mode === 'none') {
    app.log.warn('AUTH IS OFF: AUTH_MODE is none, so anyone who reaches this service can create Dwolla sessions for any customer; set AUTH_MODE=jwt before exposing it')
  }
  const authenticate = auth.mode === 'jwt' ? await createAuthenticator(app, auth, corsOrigins) : undefined

  // Client IPs over their limit without a valid token, with the end of their window: refused before
  // any verification, so junk cannot make the service fetch keys. Bounded; the least recent goes first.
  const blockedUntil = new LruMap<number>(MAX_BLOCKED_IPS)
  const limitFailures = async (request: FastifyRequest) => {
    try {
      await app.limitCaller(request)
    } catch (problem) {
      if (request.caller === undefined) blockedUntil.set(request.ip, Date.now() + Number((problem as Problem).retryAfter) * 1000)
      throw problem
    }
  }

  const guardFor = (checksCustomer: boolean): onRequestHookHandler => async (request) => {
    if (authenticate === undefined) return app.limitCaller(request)
    const wait = (blockedUntil.get(request.ip) ?? 0) - Date.now()
    if (wait > 0) throw new Problem('RATE_LIMITED', 'Too many requests without a valid token from this address; try again later.', { retryAfter: Math.ceil(wait / 1000) })
    // Failed attempts count too, by client IP, so tokens cannot be guessed at full speed.
    try {
      request.caller = await authenticate(request)
    } finally {
      await limitFailures(request)
    }
    if (checksCustomer && request.caller.customerId !== (request.params as { customerId: string }).customerId) {
      throw new Problem('FORBIDDEN', 'The token does not allow acting for this customer.')
    }
  }

  // onRoute, not a prefix hook, so routes registered later anywhere under /v1 are guarded too.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/')) return
    const guard = guardFor(route.url.includes(':customerId'))
    route.onRequest = [...[route.onRequest ?? []].flat(), guard]
  })
}, { name: 'caller-guard', dependencies: ['caller-rate-limit'] })
