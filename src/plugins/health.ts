import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'

const Liveness = Type.Object({ status: Type.Literal('ok') }, { description: 'The process serves requests.' })

/** Liveness: answers while the process serves requests. */
export async function healthRoutes (app: FastifyInstance) {
  app.get('/health/live', {
    schema: { operationId: 'getLiveness', tags: ['operations'], summary: 'Liveness', response: { 200: Liveness } }
  }, async () => ({ status: 'ok' }))
}
