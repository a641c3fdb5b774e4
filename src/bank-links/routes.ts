import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { DwollaClient } from '../dwolla/client.js'
import { CustomerParams } from '../schemas.js'
import { API_PROBLEMS, problemResponses } from '../problems.js'
import { BankLinksResponse } from './schemas.js'
import type { BankLinkStore } from './store.js'

export interface BankLinkRoutesOptions {
  dwolla: DwollaClient
  bankLinks: BankLinkStore
}

/** GET /v1/customers/:customerId/bank-links: what an app reads on start to show "Reconnect your bank". */
export const bankLinkRoutes: FastifyPluginAsyncTypebox<BankLinkRoutesOptions> = async (app, { dwolla, bankLinks }) => {
  app.get('/v1/customers/:customerId/bank-links', {
    schema: {
      operationId: 'listBankLinks',
      tags: ['bank-links'],
      summary: "The customer's bank links (Dwolla exchanges), each saying whether it needs re-authentication",
      description: 'What an app reads on start to show "Reconnect your bank". `reauthRequired` is set by a `customer_exchange_reauth_required` ' +
        'webhook or an `UpdateCredentials` balance check, and cleared by the next balance check of one of the exchange\'s funding sources that answers.',
      params: CustomerParams,
      response: {
        200: { description: "The customer's exchanges, newest state from Dwolla, with the service's marks.", ...BankLinksResponse },
        ...problemResponses([...API_PROBLEMS, 'CUSTOMER_NOT_FOUND'])
      }
    }
  }, async (request, reply) => {
    const exchanges = await dwolla.listExchanges(request.params.customerId)
    const marked = await bankLinks.reauthRequired(exchanges.map(({ exchangeId }) => exchangeId))
    const links = await Promise.all(exchanges.map(async (exchange) => ({
      ...exchange,
      fundingSourceIds: await bankLinks.fundingSourcesOf(exchange.exchangeId),
      reauthRequired: marked.has(exchange.exchangeId)
    })))
    return reply.header('cache-control', 'no-store').send({ bankLinks: links })
  })
}
