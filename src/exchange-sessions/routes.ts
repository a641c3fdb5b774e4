import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { DwollaClient } from '../dwolla/client.js'
import { API_PROBLEMS, Problem, problemResponses } from '../problems.js'
import { checkRedirect } from './redirect-rules.js'
import {
  CreateExchangeSessionBody, CustomerParams, ExchangeSessionCreated, IdempotencyHeaders, exchangeSessionComponents
} from './schemas.js'

export interface ExchangeSessionRoutesOptions {
  dwolla: DwollaClient
  registeredRedirects: readonly string[]
}

export const exchangeSessionRoutes: FastifyPluginAsyncTypebox<ExchangeSessionRoutesOptions> = async (app, { dwolla, registeredRedirects }) => {
  const registered = new Set(registeredRedirects)
  for (const schema of exchangeSessionComponents) app.addSchema(schema)

  app.post('/v1/customers/:customerId/exchange-sessions', {
    schema: {
      operationId: 'createExchangeSession',
      tags: ['exchange-sessions'],
      security: [{ callerToken: [] }],
      summary: "Start verifying a customer's bank account through Visa, Plaid or MX",
      description: 'Creates a Dwolla exchange session and answers only what the app needs: the URL to send the ' +
        'user to (Visa, MX) or the Plaid Link token. The redirect rules are checked before anything reaches Dwolla.',
      params: CustomerParams,
      headers: IdempotencyHeaders,
      body: CreateExchangeSessionBody,
      response: {
        201: ExchangeSessionCreated,
        ...problemResponses([
          ...API_PROBLEMS, 'REDIRECT_URL_REQUIRED', 'REDIRECT_URL_NOT_ALLOWED', 'REDIRECT_URL_INVALID',
          'REDIRECT_URL_NOT_REGISTERED', 'CUSTOMER_NOT_FOUND', 'PARTNER_NOT_ENABLED'
        ])
      }
    }
  }, async (request, reply) => {
    const { partner, platform = 'web', redirectUrl } = request.body
    const violation = checkRedirect({ partner, platform, redirectUrl }, registered)
    if (violation) throw new Problem(violation.code, violation.detail)

    const session = await dwolla.createExchangeSession({
      customerId: request.params.customerId,
      partner,
      redirectUrl,
      idempotencyKey: request.headers['idempotency-key'] ?? randomUUID()
    })
    return reply.code(201).header('cache-control', 'no-store').send(session)
  })
}
