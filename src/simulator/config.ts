import { Type } from '@sinclair/typebox'
import { LogLevel } from '../config.js'

/** The environment `npm run simulator` reads, with its defaults. */
export const SimulatorEnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  // Loopback unless asked: the /__simulator/* control endpoints rewrite what the simulator answers.
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  LOG_LEVEL: LogLevel,
  DWOLLA_KEY: Type.String({ minLength: 1, default: 'simulator-key' }),
  DWOLLA_SECRET: Type.String({ minLength: 1, default: 'simulator-secret' }),
  REDIRECT_URLS: Type.String({ default: '' }),
  SIMULATOR_PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+/?$' }))
})
