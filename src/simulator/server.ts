import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { loggerOptions } from '../logger.js'
import { buildSimulator } from './app.js'

/** The environment `npm run simulator` reads, with its defaults. */
const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)), { default: 'info' }),
  DWOLLA_KEY: Type.String({ minLength: 1, default: 'simulator-key' }),
  DWOLLA_SECRET: Type.String({ minLength: 1, default: 'simulator-secret' }),
  REDIRECT_URLS: Type.String({ default: '' }),
  SIMULATOR_PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+/?$' }))
})

// Only the variables we know, with empty strings treated as unset.
const known = Object.fromEntries(Object.keys(EnvSchema.properties)
  .flatMap((name) => process.env[name] ? [[name, process.env[name]]] : []))
const converted = Value.Convert(EnvSchema, Value.Default(EnvSchema, known))
const error = Value.Errors(EnvSchema, converted).First()
if (error) {
  process.stderr.write(`Invalid configuration: ${error.path.slice(1)}: ${error.message}\n`)
  process.exit(1)
}
const env = converted as Static<typeof EnvSchema>

const simulator = await buildSimulator({
  credentials: { key: env.DWOLLA_KEY, secret: env.DWOLLA_SECRET },
  registeredRedirects: env.REDIRECT_URLS.split(',').map((url) => url.trim()).filter(Boolean),
  publicUrl: env.SIMULATOR_PUBLIC_URL,
  logger: loggerOptions(env.LOG_LEVEL)
})
const address = await simulator.listen({ port: env.PORT, host: env.HOST })
simulator.log.info({ address, clientKey: env.DWOLLA_KEY, publicUrl: env.SIMULATOR_PUBLIC_URL ?? address },
  `Dwolla API simulator (not Dwolla) listening at ${address}`)

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void simulator.close())
}
