import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { DwollaClient } from '../dwolla/client.js'
import { CustomerParams, IdempotencyHeaders } from '../exchange-sessions/schemas.js'
import { AvailableExchangeConnectionsResponse, CreateFundingSourceBody, FundingSourceResponse } from './schemas.js'

export interface FundingSourceRoutesOptions {
  dwolla: DwollaClient
}

/** Completing verification: MX's connections to choose from, and the bank funding source from a partner's approval. */
export const fundingSourceRoutes: FastifyPluginAsyncTypebox<FundingSourceRoutesOptions> = async (app, { dwolla }) => {
  app.post('/v1/customers/:customerId/funding-sources', {
    schema: {
      params: CustomerParams,
      headers: IdempotencyHeaders,
      body: CreateFundingSourceBody,
      response: { 201: FundingSourceResponse }
    }
  }, async (request, reply) => {
    const bank = await dwolla.createFundingSource({
      ...request.body,
      customerId: request.params.customerId,
      idempotencyKey: request.headers['idempotency-key'] ?? randomUUID()
    })
    return reply.code(201).header('cache-control', 'no-store').send(bank)
  })

  app.get('/v1/customers/:customerId/available-exchange-connections', {
    schema: {
      params: CustomerParams,
      response: { 200: AvailableExchangeConnectionsResponse }
    }
  }, async (request, reply) => {
    const connections = await dwolla.listAvailableExchangeConnections(request.params.customerId)
    return reply.header('cache-control', 'no-store').send({ connections })
  })
}
