import { Type } from '@sinclair/typebox'
import { ConfigError, LogLevel, readEnv } from '../config.js'
import { redactedPaths } from '../logger.js'
import { buildSimulator } from './app.js'

/** The environment `npm run simulator` reads, with its defaults. */
const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  LOG_LEVEL: LogLevel,
  DWOLLA_KEY: Type.String({ minLength: 1, default: 'simulator-key' }),
  DWOLLA_SECRET: Type.String({ minLength: 1, default: 'simulator-secret' }),
  REDIRECT_URLS: Type.String({ default: '' }),
  SIMULATOR_PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+/?$' }))
})

let env
try {
  env = readEnv(EnvSchema, process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`Invalid configuration: ${error.message}\n`)
  process.exit(1)
}

const simulator = await buildSimulator({
  credentials: { key: env.DWOLLA_KEY, secret: env.DWOLLA_SECRET },
  registeredRedirects: env.REDIRECT_URLS.split(',').map((url) => url.trim()).filter(Boolean),
  publicUrl: env.SIMULATOR_PUBLIC_URL,
  logger: { level: env.LOG_LEVEL, redact: { paths: redactedPaths, censor: '[redacted]' } }
})
const address = await simulator.listen({ port: env.PORT, host: env.HOST })
simulator.log.info({ address, clientKey: env.DWOLLA_KEY, publicUrl: env.SIMULATOR_PUBLIC_URL ?? address },
  `Dwolla API simulator (not Dwolla) listening at ${address}`)

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void simulator.close())
}
