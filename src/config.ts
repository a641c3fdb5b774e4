import { randomBytes } from 'node:crypto'
import { Type, type Static, type TObject } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

const Integer = (minimum: number, maximum: number, defaultValue: number) =>
  Type.Integer({ minimum, maximum, default: defaultValue })

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
  DWOLLA_API_URL: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+/?$' })),
  REDIRECT_URLS: Type.String({ default: '' }),
  UPSTREAM_TIMEOUT_MS: Integer(1, 120_000, 5000),
  SIMULATOR_PORT: Integer(0, 65535, 3001),
  SIMULATOR_PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+/?$' })),
  DOCS_ENABLED: Type.Optional(Type.Boolean())
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
  /** Redirect URLs and Android package names registered with the Dwolla account. */
  registeredRedirects: readonly string[]
  simulator: { port: number; publicUrl: string | undefined }
  /** Swagger UI at /docs. */
  docsEnabled: boolean
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const DWOLLA_API_URLS = {
  sandbox: 'https://api-sandbox.dwolla.com',
  production: 'https://api.dwolla.com'
} as const

/** The demo page's callback, registered with the simulator so the demo works out of the box. */
export const demoCallbackUrl = (port: number) => `http://localhost:${port}/demo/callback`

const list = (value: string) => value.split(',').map((item) => item.trim()).filter(Boolean)
const trimSlash = (url: string) => url.replace(/\/$/, '')

/**
 * The variables a schema names, defaulted and converted from strings; empty counts as unset.
 * Throws a ConfigError naming the first bad variable.
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
    throw new ConfigError(`${name}: ${error.message} (got ${JSON.stringify(source[name])})`)
  }
  return env as Static<T>
}

/** Reads and validates the service's environment; throws a ConfigError naming the first bad variable. */
export function loadConfig (source: NodeJS.ProcessEnv): Config {
  const valid = readEnv(EnvSchema, source)

  const dwollaEnv: DwollaEnv = valid.DWOLLA_ENV ?? (valid.DWOLLA_KEY ? 'sandbox' : 'simulator')
  const simulated = dwollaEnv === 'simulator'
  if (!simulated) {
    for (const name of ['DWOLLA_KEY', 'DWOLLA_SECRET'] as const) {
      if (!valid[name]) throw new ConfigError(`${name}: required when DWOLLA_ENV is ${dwollaEnv}`)
    }
  }
  const apiUrl = valid.DWOLLA_API_URL ?? (simulated ? undefined : DWOLLA_API_URLS[dwollaEnv])
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
    registeredRedirects: registeredRedirects.length > 0 || !simulated
      ? registeredRedirects
      : [demoCallbackUrl(valid.PORT)],
    simulator: {
      port: valid.SIMULATOR_PORT,
      publicUrl: valid.SIMULATOR_PUBLIC_URL && trimSlash(valid.SIMULATOR_PUBLIC_URL)
    },
    docsEnabled: valid.DOCS_ENABLED ?? simulated
  }
}
