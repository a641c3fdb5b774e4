import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { DwollaClient } from '../dwolla/client.js'
import { Problem } from '../problems.js'
import { checkRedirect, type RedirectRequest } from './redirect-rules.js'
import {
  CreateExchangeSessionBody, CustomerParams, ExchangeParams, ExchangeSessionResponse, IdempotencyHeaders, ReAuthExchangeSessionBody
} from './schemas.js'

export interface ExchangeSessionRoutesOptions {
  dwolla: DwollaClient
  registeredRedirects: readonly string[]
}

/** POST /v1/customers/:customerId/exchange-sessions, and its re-authentication twin for an existing exchange. */
export const exchangeSessionRoutes: FastifyPluginAsyncTypebox<ExchangeSessionRoutesOptions> = async (app, { dwolla, registeredRedirects }) => {
  const registered = new Set(registeredRedirects)
  const enforceRedirectRules = (redirect: RedirectRequest) => {
    const violation = checkRedirect(redirect, registered)
    if (violation) throw new Problem(violation.code, violation.detail)
  }

  app.post('/v1/customers/:customerId/exchange-sessions', {
    schema: {
      params: CustomerParams,
      headers: IdempotencyHeaders,
      body: CreateExchangeSessionBody,
      response: { 201: ExchangeSessionResponse }
    }
  }, async (request, reply) => {
    const { partner, platform = 'web', redirectUrl } = request.body
    enforceRedirectRules({ partner, platform, redirectUrl })

    const session = await dwolla.createExchangeSession({
      customerId: request.params.customerId,
      partner,
      redirectUrl,
      idempotencyKey: request.headers['idempotency-key'] ?? randomUUID()
    })
    return reply.code(201).header('cache-control', 'no-store').send(session)
  })

  app.post('/v1/customers/:customerId/exchanges/:exchangeId/exchange-sessions', {
    schema: {
      params: ExchangeParams,
      headers: IdempotencyHeaders,
      body: ReAuthExchangeSessionBody,
      response: { 201: ExchangeSessionResponse }
    }
  }, async (request, reply) => {
    const { customerId, exchangeId } = request.params
    const { platform = 'web', redirectUrl } = request.body
    // The rules are the exchange's partner's, so they can only be checked once Dwolla named it.
    const partner = await dwolla.exchangePartner(customerId, exchangeId)
    enforceRedirectRules({ partner, platform, redirectUrl })

    const session = await dwolla.createReAuthExchangeSession({
      exchangeId,
      partner,
      redirectUrl,
      idempotencyKey: request.headers['idempotency-key'] ?? randomUUID()
    })
    return reply.code(201).header('cache-control', 'no-store').send(session)
  })
}
