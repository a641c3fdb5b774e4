import { Problem } from '../problems.js'
import type { DwollaCore } from './core.js'
import type { PartnerName } from './partners.js'
import { refused } from './refusals.js'
import { isAvailableExchangeConnections, isExchange, isExchanges } from './wire.js'

/** One of the customer's exchanges, as the app sees it. */
interface CustomerExchange {
  exchangeId: string
  /** Dwolla's partner name in lowercase: visa, plaid, mx, or another Dwolla lists. */
  partner: string
  status: string
  created: string
}

interface AvailableConnection {
  name: string
  availableConnectionToken: string
}

/** A customer's exchanges (the bank connections partners made) and the MX connections that can become one. */
export function createExchanges ({ retrieve, partners }: Pick<DwollaCore, 'retrieve' | 'partners'>) {
  /** The customer's own exchange; another customer's is as unknown to the caller as a missing one. */
  async function ownExchange (customerId: string, exchangeId: string) {
    const path = `/exchanges/${encodeURIComponent(exchangeId)}`
    const exchange = await retrieve('retrieveExchange', path, isExchange, { 404: 'EXCHANGE_NOT_FOUND' })
    if (!exchange._links.customer.href.endsWith(`/customers/${customerId}`)) throw refused('EXCHANGE_NOT_FOUND')
    return { path, partnerHref: exchange._links['exchange-partner'].href }
  }

  return {
    ownExchange,

    /** The partner of the customer's own exchange, for re-authenticating it. */
    async exchangePartner (customerId: string, exchangeId: string): Promise<PartnerName> {
      const partner = await partners.partnerOf((await ownExchange(customerId, exchangeId)).partnerHref)
      if (partner === undefined) throw new Problem('PARTNER_NOT_ENABLED', 'This service re-authenticates Visa, Plaid and MX exchanges only.')
      return partner
    },

    /** The customer's exchanges, each with its partner's name. */
    async listExchanges (customerId: string): Promise<CustomerExchange[]> {
      const path = `/customers/${encodeURIComponent(customerId)}/exchanges`
      const list = await retrieve('listExchanges', path, isExchanges, { 404: 'CUSTOMER_NOT_FOUND' })
      return Promise.all(list._embedded.exchanges.map(async ({ id, status, created, _links }) => ({
        exchangeId: id,
        partner: await partners.nameOf(_links['exchange-partner'].href) ?? 'unknown',
        status,
        created
      })))
    },

    async listAvailableExchangeConnections (customerId: string): Promise<AvailableConnection[]> {
      const path = `/customers/${encodeURIComponent(customerId)}/available-exchange-connections`
      const list = await retrieve('listAvailableExchangeConnections', path, isAvailableExchangeConnections, { 404: 'CUSTOMER_NOT_FOUND' })
      return list._embedded['available-exchange-connections'].map(({ name, availableConnectionToken }) => ({ name, availableConnectionToken }))
    }
  }
}
