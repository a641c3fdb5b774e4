// The rules between variables: from a valid environment to the Config, or a ConfigError naming the variable.
import { createPublicKey, randomBytes } from 'node:crypto'
import { ConfigError, EnvSchema, HTTPS_REQUIRED, readEnv, type Env, type HttpsRequired } from './env.js'
import { DWOLLA_API_URLS, JWKS_TIMING, demoCallbackUrl, type AuthConfig, type CallerKey, type Config, type DwollaEnv } from './shape.js'

const list = (value: string) => value.split(',').map((item) => item.trim()).filter(Boolean)
const trimSlash = (url: string) => url.replace(/\/$/, '')

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
