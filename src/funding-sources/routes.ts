import { Type, type Static } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { BankLinkStore } from '../bank-links/store.js'
import type { DwollaClient } from '../dwolla/client.js'
import { CustomerParams, idempotencyHeaders } from '../schemas.js'
import { API_PROBLEMS, NO_STORE, Problem, problemResponses } from '../problems.js'
import {
  AvailableExchangeConnectionsResponse, BalanceResponse, FundingSourceParams, FundingSourceResponse, fundingSourceComponents, type CreateFundingSourceRequest
} from './schemas.js'

export interface FundingSourceRoutesOptions {
  dwolla: DwollaClient
  bankLinks: BankLinkStore
}

/**
 * Completing verification (MX's connections to choose from, the bank funding source from a
 * partner's approval) and the funding source's balance.
 */
export const fundingSourceRoutes: FastifyPluginAsyncTypebox<FundingSourceRoutesOptions> = async (app, { dwolla, bankLinks }) => {
  for (const schema of fundingSourceComponents) app.addSchema(schema)
  app.post('/v1/customers/:customerId/funding-sources', {
    schema: {
      operationId: 'createFundingSource',
      tags: ['funding-sources'],
      summary: "Turn the partner's approval into a verified bank funding source",
      description: 'Visa: the exchange id from the redirect; Plaid: the public token from Link; MX: a connection token. ' +
        'One Idempotency-Key covers both Dwolla creates (exchange, funding source): a retried call creates nothing twice.',
      params: CustomerParams,
      headers: idempotencyHeaders('funding source'),
      body: Type.Unsafe<Static<typeof CreateFundingSourceRequest>>(Type.Ref('CreateFundingSourceRequest')),
      response: {
        201: {
          description: 'The bank is a verified funding source of the customer.',
          headers: { 'cache-control': NO_STORE },
          content: { 'application/json': { schema: FundingSourceResponse } }
        },
        ...problemResponses([
          ...API_PROBLEMS, 'CUSTOMER_NOT_FOUND', 'EXCHANGE_NOT_FOUND', 'FUNDING_SOURCE_EXISTS', 'PARTNER_NOT_ENABLED',
          'EXCHANGE_TOKEN_INVALID', 'EXCHANGE_INACTIVE'
        ])
      }
    }
  }, async (request, reply) => {
    const bank = await dwolla.createFundingSource({
      ...request.body,
      customerId: request.params.customerId,
      idempotencyKey: request.headers['idempotency-key']
    })
    await bankLinks.linkFundingSource(bank.fundingSourceId, bank.exchangeId)
    return reply.code(201).header('cache-control', 'no-store').send(bank)
  })

  app.get('/v1/customers/:customerId/available-exchange-connections', {
    schema: {
      operationId: 'listAvailableExchangeConnections',
      tags: ['funding-sources'],
      summary: 'The accounts the user connected in MX Connect, to pick one from',
      description: 'MX Connect does not redirect back: poll this after opening it. An empty list means the user has not ' +
        'finished (or connected nothing); each connection carries the token to create the funding source from.',
      params: CustomerParams,
      response: {
        200: {
          description: 'The connections, each with the token to create a funding source from.',
          headers: { 'cache-control': NO_STORE },
          content: { 'application/json': { schema: AvailableExchangeConnectionsResponse } }
        },
        ...problemResponses([...API_PROBLEMS, 'CUSTOMER_NOT_FOUND'])
      }
    }
  }, async (request, reply) => {
    const connections = await dwolla.listAvailableExchangeConnections(request.params.customerId)
    return reply.header('cache-control', 'no-store').send({ connections })
  })

  app.get('/v1/customers/:customerId/funding-sources/:fundingSourceId/balance', {
    schema: {
      operationId: 'getFundingSourceBalance',
      tags: ['funding-sources'],
      summary: "The bank account's balance, to check before a transfer",
      description: 'The funding source must be the customer\'s own: another customer\'s, whatever its type, is answered 404 and nothing ' +
        'else about it is read. A bank has a balance; the customer\'s Dwolla balance is answered 422 `BALANCE_NOT_SUPPORTED`. ' +
        'When the bank connection went stale (a password change, a consent lapse) the answer is 409 `REAUTH_REQUIRED` naming the ' +
        'exchange to re-authenticate; once that is done, the balance answers again and the bank link is no longer marked.',
      params: FundingSourceParams,
      response: {
        200: { description: "The funding source's balance, as Dwolla last retrieved it.", ...BalanceResponse },
        ...problemResponses([
          ...API_PROBLEMS, 'FUNDING_SOURCE_NOT_FOUND', 'REAUTH_REQUIRED', 'BALANCE_NOT_SUPPORTED', 'BALANCE_NOT_ENABLED'
        ])
      }
    }
  }, async (request, reply) => {
    const { customerId, fundingSourceId } = request.params
    try {
      const { exchangeId, balance } = await dwolla.fundingSourceBalance(customerId, fundingSourceId)
      // A balance that answers is a bank connection that works: whatever marked it is over.
      if (exchangeId !== undefined) await bankLinks.clearReauthRequired(exchangeId)
      return reply.header('cache-control', 'no-store').send(balance)
    } catch (error) {
      if (error instanceof Problem && error.exchangeId !== undefined) await bankLinks.markReauthRequired(error.exchangeId)
      throw error
    }
  })
}
