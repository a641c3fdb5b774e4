// Every variable the service reads, with its default, bounds and rule in words, and how any such schema is read.
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
export const HTTPS_REQUIRED = { JWT_JWKS_URL: 'NODE_ENV is production', DWOLLA_API_URL: 'NODE_ENV or DWOLLA_ENV is production' }
export type HttpsRequired = keyof typeof HTTPS_REQUIRED
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
export type Env = Static<typeof EnvSchema>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

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
