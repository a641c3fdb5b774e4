import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { Problem, problemResponses } from '../problems.js'

const Liveness = Type.Object({ status: Type.Literal('ok') }, { description: 'The process serves requests.' })
const Readiness = Type.Object({ status: Type.Literal('ready') }, { description: 'A Dwolla token can be had.' })

export interface HealthOptions {
  /** Resolves when a Dwolla token can be had. */
  dwollaReady: () => Promise<void>
  /** True from SIGTERM on: the replica still answers, but asks to be taken out of the load balancer. */
  draining: () => boolean
}

/**
 * Liveness and readiness for the orchestrator: ready while a Dwolla token can be had and the
 * replica is not draining. Once the drain ends the listener closes, so probes are refused while
 * in-flight requests finish.
 */
export async function healthRoutes (app: FastifyInstance, { dwollaReady, draining }: HealthOptions) {
  app.get('/health/live', {
    schema: {
      operationId: 'getLiveness',
      tags: ['operations'],
      security: [],
      summary: 'Liveness',
      description: 'For the orchestrator: 200 while the process serves requests, also while it drains; refused once it stops listening.',
      response: { 200: Liveness }
    }
  }, async () => ({ status: 'ok' }))
  app.get('/health/ready', {
    schema: {
      operationId: 'getReadiness',
      tags: ['operations'],
      security: [],
      summary: 'Readiness',
      description: 'For the orchestrator: 200 while a Dwolla token can be had, else 503 NOT_READY; 503 NOT_READY as soon as shutdown begins.',
      response: { 200: Readiness, ...problemResponses(['NOT_READY']) }
    }
  }, async () => {
    if (draining()) throw new Problem('NOT_READY', 'This replica is shutting down.')
    try {
      await dwollaReady()
    } catch (error) {
      throw new Problem('NOT_READY', 'No Dwolla token can be had right now.', { cause: error })
    }
    return { status: 'ready' }
  })
}
