// The configuration the rest of the code reads, and the constants it is built with.
import type { Env } from './env.js'

export type DwollaEnv = 'simulator' | 'sandbox' | 'production'

export interface Config {
  port: number
  host: string
  logLevel: Env['LOG_LEVEL']
  dwolla: {
    env: DwollaEnv
    /** Base URL of the Dwolla API; in simulator mode unset until the simulator listens. */
    apiUrl: string | undefined
    key: string
    secret: string
    timeoutMs: number
  }
  /** How long in-flight requests may take to finish once the drain ends. */
  shutdownGraceMs: number
  /** After SIGTERM (SIGINT skips it): how long the replica keeps answering, not ready, before it stops listening. */
  shutdownDrainMs: number
  /** Above this event-loop delay new API requests are shed with 503 rather than queued; 0: never. */
  maxEventLoopDelayMs: number
  /** Redirect URLs and Android package names registered with the Dwolla account. */
  registeredRedirects: readonly string[]
  simulator: { port: number; host: string; publicUrl: string | undefined }
  /** Swagger UI at /docs. */
  docsEnabled: boolean
  /** Verifies Dwolla's webhooks; unset (outside simulator mode): POST /webhooks/dwolla is not served. */
  webhookSecret: string | undefined
  /** Seconds between catch-up rounds from Dwolla's event log (see webhooks/catch-up.ts); 0: none. */
  webhookCatchUpSeconds: number
  /** The shared webhook inbox's retries and lease (no variable sets them). */
  webhookInbox: InboxTuning
  /** The live event streams: heartbeat interval, and how many one caller, and all callers, may hold open per replica. */
  events: { heartbeatSeconds: number, maxStreamsPerCaller: number, maxStreams: number }
  auth: AuthConfig
  /** Browser origins allowed to call the API (CORS, and the cookie mode's Origin check). */
  corsOrigins: readonly string[]
  rateLimit: RateLimitConfig
  /** The Redis every replica shares: rate-limit counters, re-auth marks, webhook events seen, live events; unset: each replica in memory. */
  redisUrl: string | undefined
  /** The proxies whose X-Forwarded-For names the client IP; false: none, the peer is the client. */
  trustProxy: string[] | false
  connections: ConnectionLimits
  /** Variables whose plain http: production accepts because ALLOW_PLAIN_HTTP names them; logged as a warning at start. */
  plainHttpAllowed: readonly string[]
  /** Where GET /metrics is served: its own listener, the main port, or (production without a port) nowhere. */
  metrics: { listen: { port: number; host: string } } | { listen: 'main' | 'off' }
}

interface ConnectionLimits {
  /** Time to receive a whole request, body included; past it the client gets 408 and the socket closes. */
  requestTimeoutMs: number
  /** Time to receive the request line and headers. */
  headersTimeoutMs: number
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number
  /** Connections past this many are closed as soon as they open. */
  maxConnections: number
}

/** How caller tokens are verified: the key source pins the algorithms (no algorithm confusion). */
export type CallerKey =
  | { source: 'secret'; secret: string; algorithms: ['HS256'] }
  | { source: 'publicKey'; pem: string; algorithms: ['RS256'] | ['ES256'] }
  | { source: 'jwks'; url: string; algorithms: ['RS256', 'ES256']; timing: JwksTiming }

/** How the JWKS key set is fetched and how long a copy of it may serve. */
export interface JwksTiming {
  /** Deadline of one fetch, body included. */
  timeoutMs: number
  /** Age after which the next token fetches the set again. */
  refreshMs: number
  /** At most one fetch per this interval, however many tokens name unknown keys. */
  refetchMs: number
  /** While the endpoint fails, the last set serves for this long after its last success, then 503. */
  staleMs: number
}

export const JWKS_TIMING: JwksTiming = { timeoutMs: 3000, refreshMs: 5 * 60_000, refetchMs: 10_000, staleMs: 10 * 60_000 }

export type AuthConfig =
  | { mode: 'none' }
  | {
      mode: 'jwt'
      key: CallerKey
      issuer: string
      audience: string
      /** The claim holding the caller's Dwolla customer id. */
      customerClaim: string
      /** Longest accepted token lifetime, exp - iat (exp - now for a token without iat). */
      maxLifetimeSeconds: number
      /** Name of the HttpOnly cookie a web app's token may come in; unset: Authorization only. */
      cookie: string | undefined
    }

/** How the shared webhook inbox retries an event's work, and how long a replica holds one. */
export interface InboxTuning {
  /** Tries of an event's work before it is a dead letter. */
  attempts: number
  /** The first retry's delay; each next one doubles it. */
  backoffMs: number
  /** How long a replica holds an event it works on before another may take it over. */
  leaseMs: number
}

export interface RateLimitConfig {
  max: number
  /** As @fastify/rate-limit reads it, e.g. `1 minute`. */
  window: string
  /** POST /webhooks/dwolla deliveries a client address may make per minute. */
  webhookMaxPerMinute: number
}

export const DWOLLA_API_URLS = {
  sandbox: 'https://api-sandbox.dwolla.com',
  production: 'https://api.dwolla.com'
} as const

/** The demo page's callback, registered with the simulator so the demo works out of the box. */
export const demoCallbackUrl = (port: number) => `http://localhost:${port}/demo/callback`
