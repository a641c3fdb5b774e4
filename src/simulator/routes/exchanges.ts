import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  expiredExchangeToken, forbidden, invalidExchangeToken, invalidField, notFound, requiredField, validationError
} from '../errors.js'
import { link, origin } from '../hal.js'
import { partnerOf } from '../partner-flows.js'
import type { Exchange, State } from '../state.js'

const Href = Type.Object({ href: Type.String() })

/** Plaid's and MX's open-banking shapes; the partner decides which one is required. */
const CreateExchange = Type.Object({
  _links: Type.Object({ 'exchange-partner': Href }),
  plaid: Type.Optional(Type.Object({ publicToken: Type.String() })),
  mx: Type.Optional(Type.Object({ availableConnectionToken: Type.String() }))
})

const IdParams = Type.Object({ id: Type.String() })

/**
 * POST /customers/:id/exchanges (redeeming a Plaid public token or an MX connection token once),
 * GET /exchanges/:id, GET /customers/:id/exchanges and GET /customers/:id/available-exchange-connections.
 */
export const exchangeRoutes: FastifyPluginAsyncTypebox<{ state: State }> = async (app, { state }) => {
  app.post('/customers/:id/exchanges', { schema: { params: IdParams, body: CreateExchange } }, async (request, reply) => {
    const { body } = request
    const partner = partnerOf(state.partners, body._links['exchange-partner'].href)
    if (!partner) throw invalidField('/_links/exchange-partner/href')
    if (!state.customers.has(request.params.id)) throw notFound()
    let token: string
    if (partner.grant === 'public-token') token = body.plaid?.publicToken ?? raise('/plaid')
    else if (partner.grant === 'connection') token = body.mx?.availableConnectionToken ?? raise('/mx')
    // Visa's exchanges come from its redirect; Finicity's and Flinks' flows are not simulated.
    else throw forbidden('The exchange partner specified does not support this product.')
    const grant = state.exchangeTokens.get(token)
    if (grant?.status === 'expired') throw expiredExchangeToken()
    if (grant?.status !== 'unused' || grant.customerId !== request.params.id || grant.partner !== partner) throw invalidExchangeToken()
    grant.status = 'used'
    const exchange = state.addExchange(grant)
    return reply.code(201).header('location', `${origin(request)}/exchanges/${exchange.id}`).send()
  })

  // Dwolla's list links each exchange to funding sources as well; its single exchange does not.
  const represent = (base: string, exchange: Exchange, listed = false) => ({
    _links: {
      self: link(`${base}/exchanges/${exchange.id}`, 'exchange'),
      'exchange-partner': link(`${base}/exchange-partners/${exchange.partner.id}`, 'exchange-partner'),
      ...(listed && { 'funding-sources': link(`${base}/funding-sources`, 'funding-source') }),
      customer: link(`${base}/customers/${exchange.customerId}`, 'customer')
    },
    id: exchange.id,
    status: exchange.status,
    created: exchange.created
  })

  app.get('/exchanges/:id', { schema: { params: IdParams } }, async (request) => {
    const exchange = state.exchanges.get(request.params.id)
    if (!exchange) throw notFound('The requested resource was not found. Check Exchange ID.')
    return represent(origin(request), exchange)
  })

  app.get('/customers/:id/exchanges', { schema: { params: IdParams } }, async (request) => {
    const customerId = request.params.id
    if (!state.customers.has(customerId)) throw notFound('Customer ID not found. Check Customer ID.')
    const base = origin(request)
    const exchanges = [...state.exchanges.values()].filter((exchange) => exchange.customerId === customerId)
    return {
      _links: { self: link(`${base}/exchanges`, 'exchange') },
      _embedded: { exchanges: exchanges.map((exchange) => represent(base, exchange, true)) },
      total: exchanges.length
    }
  })

  app.get('/customers/:id/available-exchange-connections', { schema: { params: IdParams } }, async (request) => {
    const customerId = request.params.id
    if (!state.customers.has(customerId)) throw notFound('The requested resource was not found. Check Customer ID.')
    const customer = `${origin(request)}/customers/${customerId}`
    // A connection already turned into an exchange is no longer available.
    const connections = [...state.exchangeTokens.values()].filter((grant) =>
      grant.customerId === customerId && grant.partner.grant === 'connection' && grant.status !== 'used')
    return {
      _links: {
        self: link(`${customer}/available-exchange-connections`, 'customer'),
        customers: link(customer, 'customer')
      },
      _embedded: {
        'available-exchange-connections': connections.map(({ token, name }) => ({ availableConnectionToken: token, name }))
      }
    }
  })
}

/** The partner's token object is missing: Dwolla's Required on its path. */
function raise (path: string): never {
  throw validationError([requiredField(path)])
}
