import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config/shape.js'
import type { Metrics } from './registry.js'

export interface MetricsOptions {
  metrics: Metrics
  /** Where GET /metrics is served (see Config.metrics). */
  listen: Config['metrics']['listen']
}

/** GET /metrics in Prometheus text format (each request's duration is observed by the request log's hook). */
export const metricsPlugin = fp(async (app: FastifyInstance, { metrics, listen }: MetricsOptions) => {
  const exposition = async (_request: unknown, reply: FastifyReply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())

  if (listen === 'off') {
    app.log.info('GET /metrics is not served: set METRICS_PORT to serve it on a listener of its own')
    return
  }
  if (listen === 'main') {
    app.get('/metrics', {
      schema: {
        operationId: 'getMetrics',
        tags: ['operations'],
        security: [],
        summary: 'Prometheus metrics',
        description: 'Request durations, Dwolla calls by operation and status with their durations, retries and token refreshes.',
        produces: ['text/plain'],
        response: { 200: { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } } }
      }
    }, exposition)
    return
  }
  // A listener of its own, which the proxy in front of the API does not forward to.
  const server = Fastify({
    loggerInstance: app.log.child({ listener: 'metrics' }),
    logController: new LogController({ disableRequestLogging: true })
  })
  server.get('/metrics', exposition)
  app.addHook('onReady', async () => {
    await server.listen(listen)
  })
  app.addHook('onClose', () => server.close())
}, { name: 'metrics' })
