import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { DwollaEnv } from '../config.js'

export const ServiceDescription = Type.Object({
  service: Type.String(),
  description: Type.String(),
  dwollaEnv: Type.Union([Type.Literal('simulator'), Type.Literal('sandbox'), Type.Literal('production')]),
  endpoints: Type.Record(Type.String(), Type.String(), { description: 'Method and path by operation.' })
})

/** GET / documented once, whichever answers it: the demo page in simulator mode, else this description. */
export const homeRouteSchema = {
  operationId: 'describeService',
  tags: ['operations'],
  summary: 'What this service is',
  response: {
    200: {
      description: 'In simulator mode, the demo page; otherwise a small JSON service description.',
      content: {
        'application/json': { schema: ServiceDescription },
        'text/html': { schema: Type.String({ description: 'The demo page.' }) }
      }
    }
  }
}

/** GET /: what this service is and where to start. */
export async function serviceDescription (app: FastifyInstance, { dwollaEnv }: { dwollaEnv: DwollaEnv }) {
  const description = {
    service: 'dwolla-open-banking-bff',
    description: 'Starts Dwolla Instant Account Verification through Plaid, Visa or MX.',
    dwollaEnv,
    endpoints: {
      createExchangeSession: 'POST /v1/customers/{customerId}/exchange-sessions',
      liveness: 'GET /health/live'
    }
  }
  app.get('/', { schema: homeRouteSchema }, async () => description)
}
