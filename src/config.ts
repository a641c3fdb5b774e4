// Longer than the house's 250 lines on purpose: every variable, its rule and the rules between variables
// read in one place, where a reviewer checks that none is missed.
import { createPublicKey, randomBytes } from 'node:crypto'
import { Type, type Static, type StringOptions, type TObject, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

const Integer = (minimum: number, maximum: number, defaultValue: number) =>
  Type.Integer({ minimum, maximum, default: defaultValue })

/** A string of a given form; `rule` says it in words, as a configuration error does (a pattern is no message). */
const Matching = (pattern: string, rule: string, options: StringOptions = {}) => Type.String({ ...options, pattern, rule })

/** An origin, with at most a trailing slash. */
export const OriginUrl = Matching('^https?://[^/?#]+/?$', 'must be an http:// or https:// origin, with no path (e.g. https://api.example.com)')

/**
 * The URLs production refuses in plain http, and when: whoever sits on their path could serve a
 * signing key of their own (and act as any customer), or read Dwolla's credentials and token.
 */
const HTTPS_REQUIRED = { JWT_JWKS_URL: 'NODE_ENV is production', DWOLLA_API_URL: 'NODE_ENV or DWOLLA_ENV is production' }
type HttpsRequired = keyof typeof HTTPS_REQUIRED
const HTTPS_REQUIRED_NAMES = Object.keys(HTTPS_REQUIRED).join('|')

/** Who may call the API and how often: AUTH_*, JWT_*, CORS_ORIGINS, RATE_LIMIT_*, REDIS_URL, TRUST_PROXY. */
const AuthEnv = Type.Object({
  AUTH_MODE: Type.Optional(Type.Union([Type.Literal('jwt'), Type.Literal('none')])),
  // RFC 7518 3.2: an HS256 key is at least 256 bits.
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  JWT_PUBLIC_KEY: Type.Optional(Matching('-----BEGIN PUBLIC KEY-----', 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)')),
  JWT_JWKS_URL: Type.Optional(Matching('^https?://[^/?#]+', 'must be an http:// or https:// URL')),
  JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  JWT_CUSTOMER_CLAIM: Type.String({ minLength: 1, default: 'dwolla_customer_id' }),
  // Tokens that live longer than this (exp - iat) are refused: a leaked one stays useful no longer.
  JWT_MAX_LIFETIME_SECONDS: Integer(60, 31 * 24 * 3600, 24 * 3600),
  AUTH_COOKIE: Type.Optional(Matching("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", 'must be a cookie name (letters, digits and !#$%&\'*+.^_`|~-)')),
  CORS_ORIGINS: Matching('^(\\s*https?://[^/,\\s]+\\s*(,|$))*$', 'must be http:// or https:// origins, comma-separated, with no path', { default: '' }),
  RATE_LIMIT_MAX: Integer(1, 1_000_000, 60),
  // A subset of what @fastify/rate-limit reads: `30 seconds`, `1 minute`, `1 hour`, `500 ms`.
  RATE_LIMIT_WINDOW: Matching('^\\d+ ?(ms|seconds?|minutes?|hours?)$', 'must be a number and a unit: ms, seconds, minutes or hours (e.g. 1 minute)', { default: '1 minute' }),
  // Per client address, counted before the signature is checked: far above Dwolla's own bursts and retries.
  WEBHOOK_RATE_LIMIT_MAX: Integer(1, 1_000_000, 3000),
  REDIS_URL: Type.Optional(Matching('^rediss?://', 'must start with redis:// or rediss://')),
  // Addresses or CIDRs of the proxies in front, or proxy-addr's names (loopback, uniquelocal).
  TRUST_PROXY: Type.Optional(Matching('^[0-9A-Za-z.:/]+(\\s*,\\s*[0-9A-Za-z.:/]+)*$', 'must be addresses, CIDRs or proxy-addr names, comma-separated'))
})

/** How long and how many clients may hold a connection, and where metrics are served. */
const ConnectionEnv = Type.Object({
  REQUEST_TIMEOUT_MS: Integer(1, 600_000, 30_000),
  HEADERS_TIMEOUT_MS: Integer(1, 600_000, 10_000),
  KEEP_ALIVE_TIMEOUT_MS: Integer(1, 600_000, 65_000),
  MAX_CONNECTIONS: Integer(1, 1_000_000, 1000),
  METRICS_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  METRICS_HOST: Type.String({ minLength: 1, default: '127.0.0.1' })
})

export const LogLevel = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
  { default: 'info' }
)

/** The environment variables the service reads, with their defaults and bounds. */
export const EnvSchema = Type.Object({
  NODE_ENV: Type.Optional(Type.String()),
  PORT: Integer(0, 65535, 3000),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  LOG_LEVEL: LogLevel,
  DWOLLA_ENV: Type.Optional(Type.Union([Type.Literal('simulator'), Type.Literal('sandbox'), Type.Literal('production')])),
  DWOLLA_KEY: Type.Optional(Type.String({ minLength: 1 })),
  DWOLLA_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  DWOLLA_API_URL: Type.Optional(OriginUrl),
  // Plain http: where production refuses it, for a local stack that says so by name (logged at start).
  ALLOW_PLAIN_HTTP: Type.Optional(Matching(
    `^\\s*(${HTTPS_REQUIRED_NAMES})\\s*(,\\s*(${HTTPS_REQUIRED_NAMES})\\s*)*$`,
    'must name JWT_JWKS_URL, DWOLLA_API_URL or both, comma-separated'
  )),
  REDIRECT_URLS: Type.String({ default: '' }),
  UPSTREAM_TIMEOUT_MS: Integer(1, 120_000, 5000),
  SHUTDOWN_GRACE_MS: Integer(0, 600_000, 10_000),
  // Long enough for ingress-nginx and kube-proxy to see the endpoint go (about a second each) with room to spare.
  SHUTDOWN_DRAIN_MS: Integer(0, 600_000, 5000),
  MAX_EVENT_LOOP_DELAY_MS: Integer(0, 60_000, 1000),
  SIMULATOR_PORT: Integer(0, 65535, 3001),
  // Loopback unless asked: the simulator's /__simulator/* control endpoints rewrite what it answers.
  SIMULATOR_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  SIMULATOR_PUBLIC_URL: Type.Optional(OriginUrl),
  DOCS_ENABLED: Type.Optional(Type.Boolean()),
  // The secret given to Dwolla with the webhook subscription; long enough not to be guessed.
  DWOLLA_WEBHOOK_SECRET: Type.Optional(Type.String({ minLength: 16, maxLength: 128 })),
  // How often one replica reads Dwolla's event log for what its webhooks did not bring; 0: never.
  WEBHOOK_CATCH_UP_SECONDS: Integer(0, 86_400, 300),
  EVENTS_HEARTBEAT_SECONDS: Integer(1, 300, 15),
  EVENTS_MAX_STREAMS_PER_CALLER: Integer(1, 100, 5),
  // Unset: MAX_CONNECTIONS less its reserve for the API and probes.
  EVENTS_MAX_STREAMS: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  ...ConnectionEnv.properties,
  ...AuthEnv.properties
})
type Env = Static<typeof EnvSchema>

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
  /** After SIGTERM or SIGINT: how long the replica keeps answering, not ready, before it stops listening. */
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
type CallerKey =
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

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export const DWOLLA_API_URLS = {
  sandbox: 'https://api-sandbox.dwolla.com',
  production: 'https://api.dwolla.com'
} as const

/** The demo page's callback, registered with the simulator so the demo works out of the box. */
export const demoCallbackUrl = (port: number) => `http://localhost:${port}/demo/callback`

const list = (value: string) => value.split(',').map((item) => item.trim()).filter(Boolean)
const trimSlash = (url: string) => url.replace(/\/$/, '')

/** What a variable must be, in words: a configuration error says this, never the value, which may be a secret. */
export function ruleOf (schema: TSchema): string {
  if (typeof schema.rule === 'string') return schema.rule
  if (schema.type === 'integer') return `must be a whole number from ${schema.minimum} to ${schema.maximum}`
  if (schema.type === 'boolean') return 'must be true or false'
  if (Array.isArray(schema.anyOf)) return `must be one of ${schema.anyOf.map((option: TSchema) => option.const).join(', ')}`
  return schema.maxLength === undefined
    ? `must be at least ${schema.minLength} characters`
    : `must be ${schema.minLength} to ${schema.maxLength} characters`
}

/**
 * The variables a schema names, defaulted and converted from strings; empty counts as unset.
 * Throws a ConfigError naming the first bad variable and its rule.
 */
export function readEnv<T extends TObject> (schema: T, source: NodeJS.ProcessEnv): Static<T> {
  const known: Record<string, string> = {}
  for (const name of Object.keys(schema.properties)) {
    const value = source[name]
    if (value !== undefined && value !== '') known[name] = value
  }
  const env = Value.Convert(schema, Value.Default(schema, known))
  const error = Value.Errors(schema, env).First()
  if (error) {
    const name = error.path.slice(1)
    throw new ConfigError(`${name}: ${ruleOf(schema.properties[name] as TSchema)}`)
  }
  return env as Static<T>
}

/**
 * Of the URLs that must be https: here, those in plain http: each allowed by name in ALLOW_PLAIN_HTTP
 * (answered, to be logged as a warning at start) or refused with a ConfigError naming it, not its value.
 */
export function plainHttpAllowed (urls: ReadonlyArray<readonly [HttpsRequired, string | undefined]>, allowList: string | undefined): HttpsRequired[] {
  const allowed = list(allowList ?? '')
  const plain = urls.filter(([, url]) => url?.startsWith('http:')).map(([name]) => name)
  const refused = plain.find((name) => !allowed.includes(name))
  if (refused !== undefined) {
    throw new ConfigError(`${refused}: must be https:// when ${HTTPS_REQUIRED[refused]} (a local stack allows plain http with ALLOW_PLAIN_HTTP=${refused})`)
  }
  return plain
}

/** Reads and validates the service's environment; throws a ConfigError naming the first bad variable. */
export function loadConfig (source: NodeJS.ProcessEnv): Config {
  const valid = readEnv(EnvSchema, source)

  const dwollaEnv: DwollaEnv = valid.DWOLLA_ENV ?? (valid.DWOLLA_KEY ? 'sandbox' : 'simulator')
  const simulated = dwollaEnv === 'simulator'
  const production = valid.NODE_ENV === 'production'
  if (production && simulated) {
    throw new ConfigError(valid.DWOLLA_ENV
      ? 'DWOLLA_ENV: simulator is refused when NODE_ENV is production; set sandbox or production'
      : 'DWOLLA_KEY: required when NODE_ENV is production (without it the service runs against its simulator, not Dwolla)')
  }
  // Real Dwolla serves https: pages only; the simulator's plain-http pages are allowed through this variable alone.
  if (dwollaEnv === 'production' && valid.SIMULATOR_PUBLIC_URL) {
    throw new ConfigError('SIMULATOR_PUBLIC_URL: refused when DWOLLA_ENV is production (it names a simulator\'s pages)')
  }
  if (valid.HEADERS_TIMEOUT_MS > valid.REQUEST_TIMEOUT_MS) {
    throw new ConfigError(`HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS (${valid.REQUEST_TIMEOUT_MS})`)
  }
  const maxStreams = readMaxStreams(valid)
  if (!simulated) {
    for (const name of ['DWOLLA_KEY', 'DWOLLA_SECRET'] as const) {
      if (!valid[name]) throw new ConfigError(`${name}: required when DWOLLA_ENV is ${dwollaEnv}`)
    }
  }
  const apiUrl = valid.DWOLLA_API_URL ?? (simulated ? undefined : DWOLLA_API_URLS[dwollaEnv])
  const plainHttp = plainHttpAllowed([
    ...(production ? [['JWT_JWKS_URL', valid.JWT_JWKS_URL] as const] : []),
    ...(production || dwollaEnv === 'production' ? [['DWOLLA_API_URL', apiUrl] as const] : [])
  ], valid.ALLOW_PLAIN_HTTP)
  const registeredRedirects = list(valid.REDIRECT_URLS)

  return {
    port: valid.PORT,
    host: valid.HOST,
    logLevel: valid.LOG_LEVEL,
    dwolla: {
      env: dwollaEnv,
      apiUrl: apiUrl && trimSlash(apiUrl),
      // The simulator accepts whatever credentials it is started with; fresh ones keep it unguessable.
      key: valid.DWOLLA_KEY ?? randomBytes(16).toString('hex'),
      secret: valid.DWOLLA_SECRET ?? randomBytes(24).toString('hex'),
      timeoutMs: valid.UPSTREAM_TIMEOUT_MS
    },
    shutdownGraceMs: valid.SHUTDOWN_GRACE_MS,
    shutdownDrainMs: valid.SHUTDOWN_DRAIN_MS,
    maxEventLoopDelayMs: valid.MAX_EVENT_LOOP_DELAY_MS,
    registeredRedirects: registeredRedirects.length > 0 || !simulated
      ? registeredRedirects
      : [demoCallbackUrl(valid.PORT)],
    simulator: {
      port: valid.SIMULATOR_PORT,
      host: valid.SIMULATOR_HOST,
      publicUrl: valid.SIMULATOR_PUBLIC_URL && trimSlash(valid.SIMULATOR_PUBLIC_URL)
    },
    docsEnabled: valid.DOCS_ENABLED ?? simulated,
    // The service subscribes itself to the simulator's webhooks with a secret of its own.
    webhookSecret: valid.DWOLLA_WEBHOOK_SECRET ?? (simulated ? randomBytes(24).toString('hex') : undefined),
    webhookCatchUpSeconds: valid.WEBHOOK_CATCH_UP_SECONDS,
    // 8 tries over about two minutes; a replica's lease renewed every 5 s, taken over 10 s after it died.
    webhookInbox: { attempts: 8, backoffMs: 1000, leaseMs: 10_000 },
    events: { heartbeatSeconds: valid.EVENTS_HEARTBEAT_SECONDS, maxStreamsPerCaller: valid.EVENTS_MAX_STREAMS_PER_CALLER, maxStreams },
    connections: {
      requestTimeoutMs: valid.REQUEST_TIMEOUT_MS,
      headersTimeoutMs: valid.HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: valid.KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: valid.MAX_CONNECTIONS
    },
    plainHttpAllowed: plainHttp,
    redisUrl: valid.REDIS_URL,
    metrics: valid.METRICS_PORT === undefined
      ? { listen: production ? 'off' : 'main' }
      : { listen: { port: valid.METRICS_PORT, host: valid.METRICS_HOST } },
    ...readAuthEnv(valid, simulated)
  }
}

/**
 * Streams are held for hours and count against MAX_CONNECTIONS: a fifth of it (at least one) stays
 * for the API and the probes, so a replica full of streams still answers them.
 */
function readMaxStreams (env: Env): number {
  const reserve = Math.max(1, Math.ceil(env.MAX_CONNECTIONS / 5))
  const most = env.MAX_CONNECTIONS - reserve
  if (most < 1) throw new ConfigError('MAX_CONNECTIONS: at least 2, so that streams leave a reserve for the API and probes')
  if (env.EVENTS_MAX_STREAMS !== undefined && env.EVENTS_MAX_STREAMS > most) {
    throw new ConfigError(`EVENTS_MAX_STREAMS: at most ${most}, so that ${reserve} of MAX_CONNECTIONS (${env.MAX_CONNECTIONS}) stay for the API and probes`)
  }
  return env.EVENTS_MAX_STREAMS ?? most
}

function readCallerKey (env: Env): CallerKey {
  const sources = (['JWT_SECRET', 'JWT_PUBLIC_KEY', 'JWT_JWKS_URL'] as const).filter((name) => env[name])
  if (sources.length !== 1) {
    throw new ConfigError(`JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL: set exactly one when AUTH_MODE is jwt (got ${sources.length})`)
  }
  if (env.JWT_SECRET) return { source: 'secret', secret: env.JWT_SECRET, algorithms: ['HS256'] }
  if (env.JWT_JWKS_URL) return { source: 'jwks', url: env.JWT_JWKS_URL, algorithms: ['RS256', 'ES256'], timing: JWKS_TIMING }
  // Environments often carry a PEM on one line with literal \n.
  const pem = String(env.JWT_PUBLIC_KEY).replaceAll('\\n', '\n')
  let key
  try {
    key = createPublicKey(pem)
  } catch {
    throw new ConfigError('JWT_PUBLIC_KEY: not a PEM public key')
  }
  if (key.asymmetricKeyType === 'rsa') return { source: 'publicKey', pem, algorithms: ['RS256'] }
  if (key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { source: 'publicKey', pem, algorithms: ['ES256'] }
  throw new ConfigError('JWT_PUBLIC_KEY: an RSA or P-256 EC key is required')
}

function readAuthEnv (env: Env, simulated: boolean): Pick<Config, 'auth' | 'corsOrigins' | 'rateLimit' | 'trustProxy'> {
  const mode = env.AUTH_MODE ?? (simulated ? 'none' : 'jwt')
  if (mode === 'none' && env.NODE_ENV === 'production') {
    throw new ConfigError('AUTH_MODE: none is refused when NODE_ENV is production; configure JWT verification')
  }
  const corsOrigins = list(env.CORS_ORIGINS)
  if (env.AUTH_COOKIE && corsOrigins.length === 0) {
    throw new ConfigError("CORS_ORIGINS: required when AUTH_COOKIE is set (the web app's origin)")
  }
  return {
    auth: mode === 'jwt' ? readJwtAuth(env) : { mode },
    corsOrigins,
    rateLimit: { max: env.RATE_LIMIT_MAX, window: env.RATE_LIMIT_WINDOW, webhookMaxPerMinute: env.WEBHOOK_RATE_LIMIT_MAX },
    trustProxy: env.TRUST_PROXY === undefined ? false : list(env.TRUST_PROXY)
  }
}

function readJwtAuth (env: Env): AuthConfig {
  const { JWT_ISSUER: issuer, JWT_AUDIENCE: audience } = env
  if (!issuer) throw new ConfigError('JWT_ISSUER: required when AUTH_MODE is jwt')
  if (!audience) throw new ConfigError('JWT_AUDIENCE: required when AUTH_MODE is jwt')
  return { mode: 'jwt', key: readCallerKey(env), issuer, audience, customerClaim: env.JWT_CUSTOMER_CLAIM, maxLifetimeSeconds: env.JWT_MAX_LIFETIME_SECONDS, cookie: env.AUTH_COOKIE }
}
