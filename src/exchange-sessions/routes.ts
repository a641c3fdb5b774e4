import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { DwollaClient } from '../dwolla/client.js'
import { Problem } from '../problems.js'
import { checkRedirect } from './redirect-rules.js'
import {
  CreateExchangeSessionBody, CustomerParams, ExchangeSessionResponse, IdempotencyHeaders
} from './schemas.js'

export interface ExchangeSessionRoutesOptions {
  dwolla: DwollaClient
  registeredRedirects: readonly string[]
}

export const exchangeSessionRoutes: FastifyPluginAsyncTypebox<ExchangeSessionRoutesOptions> = async (app, { dwolla, registeredRedirects }) => {
  const registered = new Set(registeredRedirects)

  app.post('/v1/customers/:customerId/exchange-sessions', {
    schema: {
      params: CustomerParams,
      headers: IdempotencyHeaders,
      body: CreateExchangeSessionBody,
      response: { 201: ExchangeSessionResponse }
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
