import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/** One log line per request, written when it completes, instead of Fastify's two. */
export const requestLog = fp(async (app: FastifyInstance) => {
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({
      method: request.method,
      url: request.routeOptions.url ?? request.url.split('?', 1)[0],
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100
    }, 'request completed')
  })
}, { name: 'request-log' })
