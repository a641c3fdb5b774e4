import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export interface OpenapiOptions {
  /** Serve Swagger UI at /docs. */
  docsEnabled: boolean
}

const DESCRIPTION = `Starts Dwolla Instant Account Verification for browser and mobile apps through Visa, Plaid or MX.

Every error is RFC 9457 problem details (\`application/problem+json\`) with a stable \`code\`.`

/**
 * The public contract, generated from the routes' schemas (npm run openapi writes openapi.yaml),
 * and Swagger UI at /docs when enabled. Registered before the routes, so it sees them all.
 */
export const openapi = fp(async (app: FastifyInstance, { docsEnabled }: OpenapiOptions) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Dwolla open banking backend-for-frontend', version: '1.0.0', description: DESCRIPTION },
      components: {
        securitySchemes: {
          callerToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'The signed-in user\'s token (AUTH_MODE=jwt). Its customer claim must name the path\'s customerId. ' +
              'Web apps may send it in the AUTH_COOKIE cookie instead, with an allowed Origin and X-Requested-With: fetch.'
          }
        }
      },
      tags: [
        { name: 'exchange-sessions', description: 'Send a user to Visa, Plaid or MX to verify a bank account.' },
        { name: 'funding-sources', description: "Finish verification: the partner's approval becomes a bank funding source; its balance." },
        { name: 'bank-links', description: "After linking: the customer's bank links and whether each needs re-authentication." },
        { name: 'events', description: "Live events for the app: the customer's bank links as they change (Server-Sent Events)." },
        { name: 'webhooks', description: "Dwolla's signed webhooks, received by the service (not called by apps)." },
        { name: 'operations', description: 'Health and service description.' }
      ]
    },
    // Components are named after their $id, so generated clients get readable type names.
    refResolver: { buildLocalReference: (json) => String(json.$id) }
  })
  if (docsEnabled) {
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      // Swagger UI's bundle sets inline styles; its scripts stay pinned by hash.
      transformStaticCSP: (policy) => policy.replace("style-src 'self' https:", "style-src 'self' 'unsafe-inline'")
    })
  }
}, { name: 'openapi' })
