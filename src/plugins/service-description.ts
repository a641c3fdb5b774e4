import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
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
