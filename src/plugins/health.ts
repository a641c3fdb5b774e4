import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { Problem, problemResponses } from '../problems.js'

const Liveness = Type.Object({ status: Type.Literal('ok') }, { description: 'The process serves requests.' })
const Readiness = Type.Object({ status: Type.Literal('ready') }, { description: 'A Dwolla token can be had.' })

export interface HealthOptions {
  /** Resolves when a Dwolla token can be had. */
  dwollaReady: () => Promise<void>
}

/**
 * Liveness and readiness for the orchestrator: ready while a Dwolla token can be had. Once
 * shutdown begins the listener closes, so probes are refused while in-flight requests finish.
 */
export async function healthRoutes (app: FastifyInstance, { dwollaReady }: HealthOptions) {
  app.get('/health/live', {
    schema: {
      operationId: 'getLiveness',
      tags: ['operations'],
      security: [],
      summary: 'Liveness',
      description: 'For the orchestrator: 200 while the process serves requests, refused once shutdown begins.',
      response: { 200: Liveness }
    }
  }, async () => ({ status: 'ok' }))
  app.get('/health/ready', {
    schema: {
      operationId: 'getReadiness',
      tags: ['operations'],
      security: [],
      summary: 'Readiness',
      description: 'For the orchestrator: 200 while a Dwolla token can be had, else 503 NOT_READY.',
      response: { 200: Readiness, ...problemResponses(['NOT_READY']) }
    }
  }, async () => {
    try {
      await dwollaReady()
    } catch (error) {
      throw new Problem('NOT_READY', 'No Dwolla token can be had right now.', { cause: error })
    }
    return { status: 'ready' }
  })
}
