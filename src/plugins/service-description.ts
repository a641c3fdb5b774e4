import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { DwollaEnv } from '../config.js'

export const ServiceDescription = Type.Object({
  service: Type.String(),
  description: Type.String(),
  dwollaEnv: Type.Union([Type.Literal('simulator'), Type.Literal('sandbox'), Type.Literal('production')]),
  demoCustomerId: Type.Optional(Type.String({ description: 'In simulator mode: a customer to try the API with.' })),
  endpoints: Type.Record(Type.String(), Type.String(), { description: 'Method and path by operation.' })
})

const homeRouteSchema = {
  operationId: 'describeService',
  tags: ['operations'],
  summary: 'What this service is',
  response: {
    200: {
      description: 'A small JSON service description.',
      content: { 'application/json': { schema: ServiceDescription } }
    }
  }
}

export interface ServiceDescriptionOptions {
  dwollaEnv: DwollaEnv
  /** The seeded customer to try the API with, in simulator mode. */
  demoCustomerId: string | undefined
}

/** GET /: what this service is and where to start. */
export async function serviceDescription (app: FastifyInstance, { dwollaEnv, demoCustomerId }: ServiceDescriptionOptions) {
  const description = {
    service: 'dwolla-open-banking-bff',
    description: 'Starts Dwolla Instant Account Verification through Plaid, Visa or MX.',
    dwollaEnv,
    ...(demoCustomerId && { demoCustomerId }),
    endpoints: {
      createExchangeSession: 'POST /v1/customers/{customerId}/exchange-sessions',
      liveness: 'GET /health/live'
    }
  }
  app.get('/', { schema: homeRouteSchema }, async () => description)
}
