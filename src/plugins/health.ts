import type { FastifyInstance } from 'fastify'
import { Problem } from '../problems.js'

export interface HealthOptions {
  /** Resolves when a Dwolla token can be had. */
  dwollaReady: () => Promise<void>
}

/**
 * Liveness and readiness for the orchestrator: ready while a Dwolla token can be had. Once
 * shutdown begins the listener closes, so probes are refused while in-flight requests finish.
 */
export async function healthRoutes (app: FastifyInstance, { dwollaReady }: HealthOptions) {
  app.get('/health/live', async () => ({ status: 'ok' }))
  app.get('/health/ready', async () => {
    try {
      await dwollaReady()
    } catch (error) {
      throw new Problem('NOT_READY', 'No Dwolla token can be had right now.', { cause: error })
    }
    return { status: 'ready' }
  })
}
