import type { FastifyInstance } from 'fastify'

/** Liveness: answers while the process serves requests. */
export async function healthRoutes (app: FastifyInstance) {
  app.get('/health/live', async () => ({ status: 'ok' }))
}
