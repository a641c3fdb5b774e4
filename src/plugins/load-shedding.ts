import type { FastifyInstance } from 'fastify'
import underPressure from '@fastify/under-pressure'
import fp from 'fastify-plugin'
import { Problem } from '../problems.js'

/** Seconds a shed caller should wait; a loop this busy needs a moment to drain. */
const RETRY_AFTER_S = 2

/**
 * Sheds requests with a 503 while the event loop lags, so a burst cannot queue without bound.
 * Register it in the scope it should protect (the API, not the probes).
 */
export const loadShedding = fp(async (app: FastifyInstance, { maxEventLoopDelayMs }: { maxEventLoopDelayMs: number }) => {
  await app.register(underPressure, {
    maxEventLoopDelay: maxEventLoopDelayMs,
    sampleInterval: 1000,
    pressureHandler: async () => {
      throw new Problem('OVERLOADED', 'The service is overloaded; try again shortly.', { retryAfter: RETRY_AFTER_S })
    }
  })
}, { name: 'load-shedding' })
