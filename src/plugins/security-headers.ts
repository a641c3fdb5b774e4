import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** An HTML page (demo, API docs): its own scripts and styles may load. */
    htmlPage?: boolean
  }
}

const common = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'strict-transport-security': 'max-age=31536000; includeSubDomains'
}
// A JSON answer loads nothing and is framed nowhere.
const apiHeaders = { ...common, 'content-security-policy': "default-src 'none'; frame-ancestors 'none'" }
const pageHeaders = {
  ...common,
  'content-security-policy': "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

/**
 * Security headers for a JSON API on every response, errors included; a route opts in to the
 * page policy with `config: { htmlPage: true }`. Static objects, set in one hook: cheaper than helmet.
 */
export const securityHeaders = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.routeOptions.config.htmlPage ? pageHeaders : apiHeaders)
    done()
  })
}, { name: 'security-headers' })
