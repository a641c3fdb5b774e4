import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { OpenAPIV3_1 } from 'openapi-types'
import { completeContract } from './contract.js'
import { CSRF_HEADER, CSRF_HEADER_VALUE } from '../plugins/caller-guard.js'

export interface OpenapiOptions {
  /** Serve Swagger UI at /docs. */
  docsEnabled: boolean
}

const DESCRIPTION = `Starts Dwolla Instant Account Verification for browser and mobile apps through Visa, Plaid or MX.

Every error is RFC 9457 problem details (\`application/problem+json\`) with a stable \`code\`; a path or
method not listed here answers 404 \`NOT_FOUND\`. Every response carries \`x-request-id\`.

The server URL is relative: the service answers wherever your app reaches it. Code generators that need an
absolute URL take the service's origin as the \`origin\` variable of the second server.

Security applies when the service runs with \`AUTH_MODE=jwt\`; with \`AUTH_MODE=none\` (the simulator's default)
no credentials are needed.`

/**
 * The public contract, generated from the routes' schemas (npm run openapi writes openapi.yaml),
 * and Swagger UI at /docs when enabled. Registered before the routes, so it sees them all.
 */
export const openapi = fp(async (app: FastifyInstance, { docsEnabled }: OpenapiOptions) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Dwolla open banking backend-for-frontend',
        version: '1.0.0',
        description: DESCRIPTION,
        license: { name: 'MIT', identifier: 'MIT' },
        contact: { name: 'The maintainers of dwolla-open-banking-bff' }
      },
      servers: [
        { url: '/', description: 'The service, at the origin the app reached this document from.' },
        {
          url: '{origin}',
          description: 'The service at an origin of your choosing.',
          variables: { origin: { default: 'http://localhost:3000', description: 'Scheme, host and port of the service.' } }
        }
      ],
      // Either scheme will do; public operations say security: [].
      security: [{ callerToken: [] }, { callerCookie: [] }],
      components: {
        securitySchemes: {
          callerToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'The signed-in user\'s token (AUTH_MODE=jwt). Its customer claim must name the path\'s customerId.'
          },
          callerCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: 'session',
            description: 'Web apps (AUTH_COOKIE set): the same token in the HttpOnly cookie AUTH_COOKIE names (`session` here). ' +
              `A POST must also come from an origin in CORS_ORIGINS and carry \`${CSRF_HEADER}: ${CSRF_HEADER_VALUE}\`, ` +
              'which no form or simple request can send: without it, 403 FORBIDDEN.'
          }
        },
        headers: {
          RequestId: {
            description: "The request's id, also the problem's requestId: quote it when asking for support.",
            schema: { type: 'string', format: 'uuid' }
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
    refResolver: { buildLocalReference: (json) => String(json.$id) },
    transformObject: (document) => completeContract((document as { openapiObject: OpenAPIV3_1.Document }).openapiObject)
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
