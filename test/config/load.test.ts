import t from 'tap'
import type { TSchema } from '@sinclair/typebox'
import { buildApp } from '../../src/app.js'
import { ConfigError, EnvSchema, ruleOf } from '../../src/config/env.js'
import { loadConfig } from '../../src/config/load.js'
import { createLogger } from '../../src/logger.js'
import { SimulatorEnvSchema } from '../../src/simulator/config.js'
import { ec, rsa } from '../support/tokens.js'
import { captureLogs } from '../support/logs.js'

// These tests are about Dwolla settings; caller auth has its own below.
const unguarded = { AUTH_MODE: 'none' }
const jwt = { DWOLLA_KEY: 'k', DWOLLA_SECRET: 's', JWT_ISSUER: 'https://id.example.com/', JWT_AUDIENCE: 'bff' }
const production = { ...jwt, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }

t.test('with no environment the service runs against the simulator', async (t) => {
  const config = loadConfig({})
  t.equal(config.port, 3000)
  t.equal(config.host, '0.0.0.0')
  t.equal(config.logLevel, 'info')
  t.equal(config.dwolla.env, 'simulator')
  t.equal(config.dwolla.apiUrl, undefined, 'known once the simulator listens')
  t.equal(config.dwolla.timeoutMs, 5000)
  t.match(config.dwolla.key, /^[0-9a-f]{32}$/, 'fresh simulator credentials')
  t.not(loadConfig({}).dwolla.secret, config.dwolla.secret)
  t.same(config.registeredRedirects, ['http://localhost:3000/demo/callback'], "the demo's callback")
  t.same(config.simulator, { port: 3001, host: '127.0.0.1', publicUrl: undefined }, 'the simulator on loopback unless asked')
  t.equal(config.docsEnabled, true, 'Swagger UI at /docs')
  t.same(config.connections, { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 65_000, maxConnections: 1000 })
  t.same(config.metrics, { listen: 'main' }, 'outside production /metrics is on the API port')
  t.equal(config.webhookCatchUpSeconds, 300, "a catch-up round from Dwolla's event log every five minutes")
})

t.test('WEBHOOK_CATCH_UP_SECONDS sets the catch-up interval; 0 turns catch-up off', async (t) => {
  t.equal(loadConfig({ WEBHOOK_CATCH_UP_SECONDS: '30' }).webhookCatchUpSeconds, 30)
  t.equal(loadConfig({ WEBHOOK_CATCH_UP_SECONDS: '0' }).webhookCatchUpSeconds, 0)
  t.throws(() => loadConfig({ WEBHOOK_CATCH_UP_SECONDS: '-1' }), { name: 'ConfigError', message: /^WEBHOOK_CATCH_UP_SECONDS: / })
})

t.test('live-event streams leave a fifth of MAX_CONNECTIONS for the API and probes', async (t) => {
  t.same(loadConfig({}).events, { heartbeatSeconds: 15, maxStreamsPerCaller: 5, maxStreams: 800 })
  t.equal(loadConfig({ MAX_CONNECTIONS: '10', EVENTS_MAX_STREAMS: '8' }).events.maxStreams, 8)
  t.equal(loadConfig({ MAX_CONNECTIONS: '2' }).events.maxStreams, 1)
})

t.test('metrics get their own listener with METRICS_PORT, on loopback unless METRICS_HOST says otherwise', async (t) => {
  t.same(loadConfig({ METRICS_PORT: '9464' }).metrics, { listen: { port: 9464, host: '127.0.0.1' } })
  t.same(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics, { listen: { port: 9464, host: '0.0.0.0' } })
  t.same(loadConfig(production).metrics, { listen: 'off' }, 'production without METRICS_PORT serves no metrics')
  t.same(loadConfig({ ...production, METRICS_PORT: '9464' }).metrics, { listen: { port: 9464, host: '127.0.0.1' } })
})

t.test('credentials select the sandbox and its URL', async (t) => {
  const config = loadConfig({ ...unguarded, DWOLLA_KEY: 'k', DWOLLA_SECRET: 's', REDIRECT_URLS: 'https://a.example/cb, com.example.app ,' })
  t.equal(config.dwolla.env, 'sandbox')
  t.equal(config.dwolla.apiUrl, 'https://api-sandbox.dwolla.com')
  t.same(config.registeredRedirects, ['https://a.example/cb', 'com.example.app'])
  t.equal(config.dwolla.key, 'k')
  t.equal(config.dwolla.secret, 's')
})

t.test('production has its own URL; DWOLLA_API_URL overrides it', async (t) => {
  t.equal(loadConfig({ ...unguarded, DWOLLA_ENV: 'production', DWOLLA_KEY: 'k', DWOLLA_SECRET: 's' }).dwolla.apiUrl, 'https://api.dwolla.com')
  const config = loadConfig({ ...unguarded, DWOLLA_ENV: 'sandbox', DWOLLA_KEY: 'k', DWOLLA_SECRET: 's', DWOLLA_API_URL: 'http://127.0.0.1:4010/' })
  t.equal(config.dwolla.apiUrl, 'http://127.0.0.1:4010')
  t.same(config.registeredRedirects, [], 'no demo callback outside the simulator')
  t.equal(config.docsEnabled, false, 'no docs outside the simulator unless asked')
})

t.test('DOCS_ENABLED switches the docs either way', async (t) => {
  t.equal(loadConfig({ DOCS_ENABLED: 'false' }).docsEnabled, false)
  t.equal(loadConfig({ ...unguarded, DWOLLA_KEY: 'k', DWOLLA_SECRET: 's', DOCS_ENABLED: 'true' }).docsEnabled, true)
})

t.test('numbers are read from strings and empty values count as unset', async (t) => {
  const config = loadConfig({ PORT: '8080', UPSTREAM_TIMEOUT_MS: '250', HOST: '', SIMULATOR_PUBLIC_URL: 'http://localhost:3001/' })
  t.equal(config.port, 8080)
  t.equal(config.host, '0.0.0.0')
  t.equal(config.dwolla.timeoutMs, 250)
  t.same(config.registeredRedirects, ['http://localhost:8080/demo/callback'])
  t.equal(config.simulator.publicUrl, 'http://localhost:3001')
})

t.test('the simulator runs open by default; Dwolla proper requires caller tokens', async (t) => {
  const open = loadConfig({})
  t.same(open.auth, { mode: 'none' })
  t.same(open.rateLimit, { max: 60, window: '1 minute', webhookMaxPerMinute: 3000 })
  t.equal(open.redisUrl, undefined)
  t.same(open.corsOrigins, [])
  t.equal(open.trustProxy, false)
  t.throws(() => loadConfig({ DWOLLA_KEY: 'k', DWOLLA_SECRET: 's' }), { message: /^JWT_ISSUER: required when AUTH_MODE is jwt/ }, 'jwt is the default')
  t.same(loadConfig({ ...jwt, JWT_SECRET: 'x'.repeat(32) }).auth, {
    mode: 'jwt',
    key: { source: 'secret', secret: 'x'.repeat(32), algorithms: ['HS256'] },
    issuer: 'https://id.example.com/',
    audience: 'bff',
    customerClaim: 'dwolla_customer_id',
    maxLifetimeSeconds: 86_400,
    cookie: undefined
  })
})

t.test('the key source decides the algorithms', async (t) => {
  t.match(loadConfig({ ...jwt, JWT_PUBLIC_KEY: rsa.publicPem }).auth, { key: { source: 'publicKey', algorithms: ['RS256'] } })
  t.match(loadConfig({ ...jwt, JWT_PUBLIC_KEY: ec.publicPem }).auth, { key: { source: 'publicKey', algorithms: ['ES256'] } })
  t.match(loadConfig({ ...jwt, JWT_JWKS_URL: 'https://id.example.com/jwks' }).auth, { key: { source: 'jwks', url: 'https://id.example.com/jwks', algorithms: ['RS256', 'ES256'] } })
})

t.test('cookie mode, CORS, rate limit and proxies are read', async (t) => {
  const config = loadConfig({
    ...jwt,
    JWT_SECRET: 'x'.repeat(32),
    AUTH_COOKIE: '__Host-session',
    JWT_MAX_LIFETIME_SECONDS: '3600',
    CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
    RATE_LIMIT_MAX: '10',
    RATE_LIMIT_WINDOW: '30 seconds',
    REDIS_URL: 'redis://127.0.0.1:6379',
    TRUST_PROXY: '10.0.0.0/8, loopback'
  })
  t.match(config.auth, { cookie: '__Host-session', maxLifetimeSeconds: 3600 })
  t.same(config.corsOrigins, ['https://app.example.com', 'http://localhost:5173'])
  t.same(config.rateLimit, { max: 10, window: '30 seconds', webhookMaxPerMinute: 3000 })
  t.equal(config.redisUrl, 'redis://127.0.0.1:6379')
  t.same(config.trustProxy, ['10.0.0.0/8', 'loopback'])
})

const bad: Array<[NodeJS.ProcessEnv, RegExp]> = [
  [{ NODE_ENV: 'production' }, /^DWOLLA_KEY: required when NODE_ENV is production/],
  [{ NODE_ENV: 'production', DWOLLA_ENV: 'simulator', DWOLLA_KEY: 'k', DWOLLA_SECRET: 's' }, /^DWOLLA_ENV: simulator is refused when NODE_ENV is production/],
  [{ NODE_ENV: 'production', DWOLLA_KEY: 'k', DWOLLA_SECRET: 's' }, /^JWT_ISSUER: required/],
  [{ DWOLLA_ENV: 'production', DWOLLA_KEY: 'k', DWOLLA_SECRET: 's', SIMULATOR_PUBLIC_URL: 'http://localhost:3001' }, /^SIMULATOR_PUBLIC_URL: refused when DWOLLA_ENV is production/],
  [{ REQUEST_TIMEOUT_MS: '0' }, /^REQUEST_TIMEOUT_MS: /],
  [{ REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '6000' }, /^HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS \(5000\)/],
  [{ KEEP_ALIVE_TIMEOUT_MS: 'long' }, /^KEEP_ALIVE_TIMEOUT_MS: /],
  [{ MAX_CONNECTIONS: '0' }, /^MAX_CONNECTIONS: /],
  [{ MAX_CONNECTIONS: '1' }, /^MAX_CONNECTIONS: at least 2, so that streams leave a reserve/],
  [{ MAX_CONNECTIONS: '10', EVENTS_MAX_STREAMS: '9' }, /^EVENTS_MAX_STREAMS: at most 8, so that 2 of MAX_CONNECTIONS \(10\) stay for the API and probes$/],
  [{ EVENTS_MAX_STREAMS: '0' }, /^EVENTS_MAX_STREAMS: /],
  [{ METRICS_PORT: '70000' }, /^METRICS_PORT: /],
  [{ NODE_ENV: 'production', AUTH_MODE: 'none', DWOLLA_KEY: 'k', DWOLLA_SECRET: 's' }, /^AUTH_MODE: /],
  [{ AUTH_MODE: 'jwt', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' }, /^JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL: set exactly one/],
  [{ ...jwt, JWT_SECRET: 'x'.repeat(32), JWT_JWKS_URL: 'https://id.example.com/jwks' }, /^JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL: .*\(got 2\)/],
  [{ ...jwt, JWT_ISSUER: '', JWT_SECRET: 'x'.repeat(32) }, /^JWT_ISSUER: required/],
  [{ ...jwt, JWT_AUDIENCE: '', JWT_SECRET: 'x'.repeat(32) }, /^JWT_AUDIENCE: required/],
  [{ ...jwt, JWT_SECRET: 'short' }, /^JWT_SECRET: /],
  [{ ...jwt, JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' }, /^JWT_PUBLIC_KEY: not a PEM public key/],
  [{ ...jwt, JWT_PUBLIC_KEY: 'ssh-rsa AAAA' }, /^JWT_PUBLIC_KEY: /],
  [{ ...jwt, JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAXL7PbgMhBFYuUvXmsO69JBilKSaHggofehSSDSVfYF0=\n-----END PUBLIC KEY-----\n' }, /^JWT_PUBLIC_KEY: an RSA or P-256 EC key is required/],
  [{ ...jwt, JWT_JWKS_URL: 'id.example.com/jwks' }, /^JWT_JWKS_URL: /],
  [{ AUTH_MODE: 'basic' }, /^AUTH_MODE: /],
  [{ AUTH_COOKIE: 'a session' }, /^AUTH_COOKIE: /],
  [{ AUTH_COOKIE: 'session' }, /^CORS_ORIGINS: required when AUTH_COOKIE is set/],
  [{ CORS_ORIGINS: 'https://app.example.com/path' }, /^CORS_ORIGINS: /],
  [{ CORS_ORIGINS: '*' }, /^CORS_ORIGINS: /],
  [{ JWT_MAX_LIFETIME_SECONDS: '30' }, /^JWT_MAX_LIFETIME_SECONDS: /],
  [{ JWT_MAX_LIFETIME_SECONDS: '1 day' }, /^JWT_MAX_LIFETIME_SECONDS: /],
  [{ RATE_LIMIT_MAX: '0' }, /^RATE_LIMIT_MAX: /],
  [{ RATE_LIMIT_WINDOW: 'a while' }, /^RATE_LIMIT_WINDOW: /],
  [{ REDIS_URL: 'localhost:6379' }, /^REDIS_URL: /],
  [{ TRUST_PROXY: 'true; rm' }, /^TRUST_PROXY: /],
  [{ PORT: 'eighty' }, /^PORT: /],
  [{ PORT: '70000' }, /^PORT: must be a whole number from 0 to 65535$/],
  [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
  [{ DWOLLA_ENV: 'staging' }, /^DWOLLA_ENV: /],
  [{ DWOLLA_ENV: 'sandbox' }, /^DWOLLA_KEY: required when DWOLLA_ENV is sandbox/],
  [{ DWOLLA_ENV: 'production', DWOLLA_KEY: 'k' }, /^DWOLLA_SECRET: required when DWOLLA_ENV is production/],
  [{ DWOLLA_API_URL: 'api.dwolla.com' }, /^DWOLLA_API_URL: /],
  [{ DWOLLA_API_URL: 'https://api.dwolla.com/v2' }, /^DWOLLA_API_URL: /],
  [{ UPSTREAM_TIMEOUT_MS: '0' }, /^UPSTREAM_TIMEOUT_MS: /],
  [{ DOCS_ENABLED: 'yes' }, /^DOCS_ENABLED: must be true or false$/],
  [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent$/],
  [{ RATE_LIMIT_WINDOW: 'soon' }, /^RATE_LIMIT_WINDOW: must be a number and a unit: ms, seconds, minutes or hours/],
  [{ ...production, JWT_SECRET: undefined, JWT_JWKS_URL: 'http://id.example.com/jwks' }, /^JWT_JWKS_URL: must be https:\/\/ when NODE_ENV is production \(a local stack allows plain http with ALLOW_PLAIN_HTTP=JWT_JWKS_URL\)$/],
  [{ ...production, DWOLLA_API_URL: 'http://dwolla.internal' }, /^DWOLLA_API_URL: must be https:\/\/ when NODE_ENV or DWOLLA_ENV is production/],
  [{ ...unguarded, DWOLLA_ENV: 'production', DWOLLA_KEY: 'k', DWOLLA_SECRET: 's', DWOLLA_API_URL: 'http://dwolla.internal' }, /^DWOLLA_API_URL: must be https:\/\//],
  [{ ...production, DWOLLA_API_URL: 'http://dwolla.internal', ALLOW_PLAIN_HTTP: 'JWT_JWKS_URL' }, /^DWOLLA_API_URL: must be https:\/\//],
  [{ ALLOW_PLAIN_HTTP: 'yes' }, /^ALLOW_PLAIN_HTTP: must name JWT_JWKS_URL, DWOLLA_API_URL or both, comma-separated$/],
  [{ ALLOW_PLAIN_HTTP: 'REDIS_URL' }, /^ALLOW_PLAIN_HTTP: /]
]
for (const [env, message] of bad) {
  t.test(`refuses ${JSON.stringify(env)} naming the variable`, async (t) => {
    t.throws(() => loadConfig(env), ConfigError)
    t.throws(() => loadConfig(env), { message })
  })
}

t.test('a refused value is never printed: secrets name the variable and the rule only', async (t) => {
  const secrets: Array<[NodeJS.ProcessEnv, string, string]> = [
    [{ ...jwt, JWT_SECRET: 'hunter2-too-short' }, 'JWT_SECRET: must be at least 32 characters', 'hunter2-too-short'],
    [{ REDIS_URL: 'http://:hunter2-redis-password@redis:6379' }, 'REDIS_URL: must start with redis:// or rediss://', 'hunter2-redis-password'],
    [{ DWOLLA_WEBHOOK_SECRET: 'hunter2-short' }, 'DWOLLA_WEBHOOK_SECRET: must be 16 to 128 characters', 'hunter2-short'],
    [{ DWOLLA_WEBHOOK_SECRET: 'h'.repeat(129) }, 'DWOLLA_WEBHOOK_SECRET: must be 16 to 128 characters', 'h'.repeat(129)],
    [{ ...production, JWT_SECRET: undefined, JWT_JWKS_URL: 'http://user:hunter2-jwks@id.example.com/jwks' }, 'JWT_JWKS_URL: must be https://', 'hunter2-jwks'],
    [{ ...production, DWOLLA_API_URL: 'http://user:hunter2-dwolla@dwolla.internal' }, 'DWOLLA_API_URL: must be https://', 'hunter2-dwolla']
  ]
  for (const [env, rule, secret] of secrets) {
    t.throws(() => loadConfig(env), { message: new RegExp(`^${rule.replace(/[/.]/g, '\\$&')}`) }, rule)
    t.notMatch(String(t.throws(() => loadConfig(env))), secret, 'the value stays out')
  }
})

t.test('every variable that can be refused has its rule in words', async (t) => {
  const constrained = (schema: TSchema) => schema.type !== 'string' || schema.pattern !== undefined || schema.minLength > 1 || schema.maxLength !== undefined
  for (const [name, schema] of Object.entries({ ...EnvSchema.properties, ...SimulatorEnvSchema.properties })) {
    if (constrained(schema)) t.match(ruleOf(schema), /^must (?!.*undefined)/, name)
  }
})

t.test('production accepts plain http only for the variables ALLOW_PLAIN_HTTP names, and says so at start', async (t) => {
  const localStack = { ...production, DWOLLA_API_URL: 'http://simulator:3001', ALLOW_PLAIN_HTTP: ' DWOLLA_API_URL, JWT_JWKS_URL ' }
  const config = loadConfig(localStack)
  t.same(config.plainHttpAllowed, ['DWOLLA_API_URL'], 'what is in use: the key set here is a secret, not a URL')
  t.equal(config.dwolla.apiUrl, 'http://simulator:3001')
  t.same(loadConfig({ ...localStack, JWT_SECRET: undefined, JWT_JWKS_URL: 'http://id:8080/jwks' }).plainHttpAllowed, ['JWT_JWKS_URL', 'DWOLLA_API_URL'])
  t.same(loadConfig({ ...production, JWT_SECRET: undefined, JWT_JWKS_URL: 'https://id.example.com/jwks' }).plainHttpAllowed, [], 'https needs no allowance')
  t.same(loadConfig({ ...unguarded, DWOLLA_KEY: 'k', DWOLLA_SECRET: 's', DWOLLA_API_URL: 'http://127.0.0.1:4010' }).plainHttpAllowed, [], 'the sandbox outside production may use plain http')

  const logs = captureLogs()
  const app = await buildApp({ ...config, dwolla: { ...config.dwolla, apiUrl: 'http://simulator:3001' } }, { logger: createLogger('info', logs.stream) })
  t.teardown(() => app.close())
  t.match(logs.records().filter((record) => record.level === 40 && /ALLOW_PLAIN_HTTP/.test(String(record.msg))), [{
    variables: ['DWOLLA_API_URL'], msg: /^plain http allowed in production by ALLOW_PLAIN_HTTP for DWOLLA_API_URL/
  }])
  const quiet = captureLogs()
  const secure = loadConfig(production)
  const secureApp = await buildApp({ ...secure, dwolla: { ...secure.dwolla, apiUrl: 'https://api.dwolla.com' } }, { logger: createLogger('info', quiet.stream) })
  t.teardown(() => secureApp.close())
  t.notMatch(quiet.lines.join('\n'), 'ALLOW_PLAIN_HTTP', 'no warning where nothing is allowed')
})
