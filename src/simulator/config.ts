import { Type } from '@sinclair/typebox'
import { LogLevel, OriginUrl } from '../config/env.js'

/** The environment `npm run simulator` reads, with its defaults. */
export const SimulatorEnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  // Loopback unless asked: the /__simulator/* control endpoints rewrite what the simulator answers.
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  LOG_LEVEL: LogLevel,
  DWOLLA_KEY: Type.String({ minLength: 1, default: 'simulator-key' }),
  DWOLLA_SECRET: Type.String({ minLength: 1, default: 'simulator-secret' }),
  REDIRECT_URLS: Type.String({ default: '' }),
  SIMULATOR_PUBLIC_URL: Type.Optional(OriginUrl)
})

/**
 * The waits before each webhook retry: Dwolla's schedule (15 min, 45 min, 2 h, 3 h, 6 h, 12 h,
 * 24 h, 24 h: eight retries over 72 hours), 6000 times faster, so a retry is seen in a test.
 */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [150, 450, 1200, 1800, 3600, 7200, 14_400, 14_400]

/** Dwolla's Sandbox allows ten webhook subscriptions at a time (Production five). */
export const MAX_WEBHOOK_SUBSCRIPTIONS = 10
