import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { authorizationAlreadyUsed, forbidden, inactiveExchange, invalidField, notFound, updateCredentials } from '../errors.js'
import { link, origin } from '../hal.js'
import type { State } from '../state.js'
import type { Webhooks } from '../webhooks.js'

/** Dwolla's exchange variant of the request: an IAV-verified bank needs no account numbers. */
const CreateFundingSource = Type.Object({
  _links: Type.Object({ exchange: Type.Object({ href: Type.String() }) }),
  // A plain enum, so that a wrong value is one Invalid error rather than one per alternative.
  bankAccountType: Type.Unsafe<'checking' | 'savings'>({ type: 'string', enum: ['checking', 'savings'] }),
  name: Type.String({ minLength: 1, maxLength: 50 })
})

const IdParams = Type.Object({ id: Type.String() })

const EXCHANGE_HREF = /^https?:\/\/[^/?#]+\/exchanges\/([^/?#]+)$/i

/** The sandbox's bank for every IAV-verified account, as Dwolla's sandbox names it. */
const BANK_NAME = 'SANDBOX TEST BANK'

/** The sandbox's balance of every IAV-verified account; MX reports no available balance, as Dwolla allows. */
const BALANCE = { value: '542.00', currency: 'USD' }

/** What a verified customer's Dwolla balance holds in the simulator. */
const DWOLLA_BALANCE = { value: '0.00', currency: 'USD' }

/** POST /customers/:id/funding-sources from an exchange, GET /funding-sources/:id and its balance, banks' and Dwolla balances'. */
export const simulatedFundingSourceRoutes: FastifyPluginAsyncTypebox<{ state: State, webhooks: Webhooks }> = async (app, { state, webhooks }) => {
  app.post('/customers/:id/funding-sources', { schema: { params: IdParams, body: CreateFundingSource } }, async (request, reply) => {
    const customerId = request.params.id
    if (!state.customers.has(customerId)) throw notFound('Customer ID not found. Check Customer ID.')
    const exchangeId = EXCHANGE_HREF.exec(request.body._links.exchange.href)?.[1]
    const exchange = state.exchanges.get(exchangeId ?? '')
    if (!exchange) throw invalidField('/_links/exchange/href')
    if (exchange.customerId !== customerId) throw forbidden('Not authorized to create funding source.')
    if (exchange.status !== 'active') throw inactiveExchange()
    // One exchange is one bank account: its authorization cannot make a second funding source.
    if ([...state.fundingSources.values()].some((source) => source.exchange === exchange)) throw authorizationAlreadyUsed()
    const base = origin(request)
    const { name, bankAccountType } = request.body
    const source = state.addFundingSource({ customerId, exchange, name, bankAccountType })
    const resource = { resourceId: source.id, resourcePath: `/funding-sources/${source.id}`, customerId }
    webhooks.publish({ topic: 'customer_funding_source_added', ...resource }, base)
    webhooks.publish({ topic: 'customer_funding_source_verified', ...resource }, base)
    return reply.code(201).header('location', `${base}/funding-sources/${source.id}`).send()
  })

  app.get('/funding-sources/:id', { schema: { params: IdParams } }, async (request) => {
    const base = origin(request)
    const balance = state.balances.get(request.params.id)
    if (balance) {
      return {
        _links: {
          self: link(`${base}/funding-sources/${balance.id}`, 'funding-source'),
          balance: link(`${base}/funding-sources/${balance.id}/balance`, 'balance'),
          customer: link(`${base}/customers/${balance.customerId}`, 'customer')
        },
        id: balance.id,
        status: 'verified',
        type: 'balance',
        name: 'Balance',
        created: balance.created,
        removed: false,
        channels: []
      }
    }
    const source = state.fundingSources.get(request.params.id)
    if (!source) throw notFound()
    return {
      _links: {
        self: link(`${base}/funding-sources/${source.id}`, 'funding-source'),
        customer: link(`${base}/customers/${source.customerId}`, 'customer'),
        exchange: link(`${base}/exchanges/${source.exchange.id}`, 'exchange')
      },
      id: source.id,
      status: 'verified',
      type: 'bank',
      bankAccountType: source.bankAccountType,
      name: source.name,
      created: source.created,
      removed: false,
      channels: ['ach'],
      bankName: BANK_NAME
    }
  })

  app.get('/funding-sources/:id/balance', { schema: { params: IdParams } }, async (request) => {
    const base = origin(request)
    const balance = state.balances.get(request.params.id)
    // A Dwolla balance answers in its own shape: what it holds, and the total with pending transfers.
    if (balance) {
      return {
        _links: {
          self: link(`${base}/funding-sources/${balance.id}/balance`, 'balance'),
          'funding-source': link(`${base}/funding-sources/${balance.id}`, 'funding-source')
        },
        balance: DWOLLA_BALANCE,
        total: DWOLLA_BALANCE,
        lastUpdated: balance.created
      }
    }
    const source = state.fundingSources.get(request.params.id)
    if (!source) throw notFound()
    const { exchange } = source
    if (exchange.reauthRequired || exchange.status !== 'active') throw updateCredentials(`${base}/exchanges/${exchange.id}/exchange-sessions`)
    return {
      _links: {
        self: link(`${base}/funding-sources/${source.id}/balance`, 'balance'),
        'funding-source': link(`${base}/funding-sources/${source.id}`, 'funding-source')
      },
      ...(exchange.partner.grant !== 'connection' && { available: BALANCE }),
      closing: BALANCE,
      lastUpdated: source.created
    }
  })
}
