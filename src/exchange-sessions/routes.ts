import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import type { DwollaClient, SessionStart } from '../dwolla/client.js'
import { API_PROBLEMS, Problem, problemResponses } from '../problems.js'
import { checkRedirect, type RedirectRequest } from './redirect-rules.js'
import { CustomerParams, idempotencyHeaders } from '../schemas.js'
import {
  CreateExchangeSessionBody, ExchangeParams, ExchangeSessionCreated, ReAuthExchangeSessionBody, exchangeSessionComponents
} from './schemas.js'

export interface ExchangeSessionRoutesOptions {
  dwolla: DwollaClient
  registeredRedirects: readonly string[]
}

const REDIRECT_PROBLEMS = [
  'REDIRECT_URL_REQUIRED', 'REDIRECT_URL_NOT_ALLOWED', 'REDIRECT_URL_INVALID', 'REDIRECT_URL_NOT_REGISTERED'
] as const

/**
 * 201 with the session as JSON. The client builds it to its exact schema (sessionStart), so it is sent as its
 * JSON: the oneOf serializer would validate it against each partner's schema first, on every request.
 */
const created = (reply: FastifyReply, session: SessionStart) =>
  reply.code(201).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(session))

/** POST /v1/customers/:customerId/exchange-sessions, and its re-authentication twin for an existing exchange. */
export const exchangeSessionRoutes: FastifyPluginAsyncTypebox<ExchangeSessionRoutesOptions> = async (app, { dwolla, registeredRedirects }) => {
  const registered = new Set(registeredRedirects)
  const enforceRedirectRules = (redirect: RedirectRequest) => {
    const violation = checkRedirect(redirect, registered)
    if (violation) throw new Problem(violation.code, violation.detail)
  }
  for (const schema of exchangeSessionComponents) app.addSchema(schema)

  app.post('/v1/customers/:customerId/exchange-sessions', {
    schema: {
      operationId: 'createExchangeSession',
      tags: ['exchange-sessions'],
      summary: "Start verifying a customer's bank account through Visa, Plaid or MX",
      description: 'Creates a Dwolla exchange session and answers only what the app needs: the URL to send the ' +
        'user to (Visa, MX) or the Plaid Link token. The redirect rules are checked before anything reaches Dwolla.',
      params: CustomerParams,
      headers: idempotencyHeaders('session'),
      body: CreateExchangeSessionBody,
      response: {
        201: ExchangeSessionCreated,
        ...problemResponses([...API_PROBLEMS, ...REDIRECT_PROBLEMS, 'CUSTOMER_NOT_FOUND', 'PARTNER_NOT_ENABLED'])
      }
    }
  }, async (request, reply) => {
    const { partner, platform = 'web', redirectUrl } = request.body
    enforceRedirectRules({ partner, platform, redirectUrl })

    const session = await dwolla.createExchangeSession({
      customerId: request.params.customerId,
      partner,
      platform,
      redirectUrl,
      idempotencyKey: request.headers['idempotency-key']
    })
    return created(reply, session)
  })

  app.post('/v1/customers/:customerId/exchanges/:exchangeId/exchange-sessions', {
    schema: {
      operationId: 'createReAuthExchangeSession',
      tags: ['exchange-sessions'],
      summary: "Re-authenticate an existing exchange with its partner",
      description: 'When Dwolla reports UpdateCredentials or sends customer_exchange_reauth_required: a new session ' +
        "for the exchange's own partner, under that partner's redirect rules. The exchange must belong to the customer.",
      params: ExchangeParams,
      headers: idempotencyHeaders('session'),
      body: ReAuthExchangeSessionBody,
      response: {
        201: ExchangeSessionCreated,
        ...problemResponses([...API_PROBLEMS, ...REDIRECT_PROBLEMS, 'EXCHANGE_NOT_FOUND', 'PARTNER_NOT_ENABLED'])
      }
    }
  }, async (request, reply) => {
    const { customerId, exchangeId } = request.params
    const { platform = 'web', redirectUrl } = request.body
    // The rules are the exchange's partner's, so they can only be checked once Dwolla named it.
    const partner = await dwolla.exchangePartner(customerId, exchangeId)
    enforceRedirectRules({ partner, platform, redirectUrl })

    const session = await dwolla.createReAuthExchangeSession({
      customerId,
      exchangeId,
      partner,
      platform,
      redirectUrl,
      idempotencyKey: request.headers['idempotency-key']
    })
    return created(reply, session)
  })
}
