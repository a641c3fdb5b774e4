import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { DwollaEnv } from '../config/shape.js'
import { StringEnum } from '../string-enum.js'

const ServiceDescription = Type.Object({
  service: Type.String(),
  description: Type.String(),
  dwollaEnv: StringEnum(['simulator', 'sandbox', 'production']),
  endpoints: Type.Record(Type.String(), Type.String(), { description: 'Method and path by operation.' })
})

/** GET / documented once, whichever answers it: the demo page in simulator mode, else this description. */
export const homeRouteSchema = {
  operationId: 'describeService',
  tags: ['operations'],
  security: [],
  summary: 'What this service is',
  description: 'In simulator mode the demo page; otherwise the service, its Dwolla environment and its operations.',
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

/**
 * GET /: what this service is and where to start. The endpoints are every documented route's
 * operation id and path, gathered as routes are registered, so the list cannot fall behind them.
 */
export const serviceDescription = fp(async (app: FastifyInstance, { dwollaEnv }: { dwollaEnv: DwollaEnv }) => {
  const endpoints: Record<string, string> = {}
  app.addHook('onRoute', ({ method, url, schema }) => {
    const operationId = (schema as { operationId?: string } | undefined)?.operationId
    // Fastify adds a HEAD twin for each GET; the GET names the operation.
    if (operationId !== undefined && method !== 'HEAD') endpoints[operationId] = `${String(method)} ${url.replace(/:(\w+)/g, '{$1}')}`
  })
  const description = {
    service: 'dwolla-open-banking-bff',
    description: 'Starts Dwolla Instant Account Verification through Plaid, Visa or MX.',
    dwollaEnv,
    endpoints
  }
  app.get('/', { schema: homeRouteSchema }, async () => description)
}, { name: 'service-description' })
