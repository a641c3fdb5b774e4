import type { FastifyInstance } from 'fastify'
import type { DwollaEnv } from '../config.js'

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
  app.get('/', async () => description)
}
