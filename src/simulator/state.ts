import { randomUUID } from 'node:crypto'
import { createPartnerFlows, type PartnerFlow } from './partner-flows.js'

export interface Customer {
  id: string
  firstName: string
  lastName: string
  email: string
  created: string
}

/** Dwolla's link between a customer and a bank account at a partner. */
export interface Exchange {
  id: string
  customerId: string
  partner: PartnerFlow
  /** Dwolla's statuses; 'removed' is never reached in the simulator. */
  status: 'active' | 'deactivated'
  /** The bank revoked access (a password change, say): balance checks answer UpdateCredentials until a re-auth session is approved. */
  reauthRequired: boolean
  created: string
}

export interface ExchangeSession {
  id: string
  customerId: string
  partner: PartnerFlow
  /** The exchange a re-auth session restores; undefined for a session that adds a bank. */
  reauth: Exchange | undefined
  redirectUrl: string | undefined
  /** Origin of the bank page a browser opens for this session. */
  bankOrigin: string
  /** Plaid Link's token; Plaid sessions only. */
  linkToken: string | undefined
  created: string
  /** Set once the user approved or cancelled; a session is single-use. */
  outcome?: 'approved' | 'cancelled'
}

/** A Plaid public token or an MX available connection token: what POST /customers/:id/exchanges redeems once. */
export interface ExchangeToken {
  token: string
  customerId: string
  partner: PartnerFlow
  /** The account's name, as MX lists it among the available connections. */
  name: string
  status: 'unused' | 'used' | 'expired'
}

export interface FundingSource {
  id: string
  customerId: string
  exchange: Exchange
  name: string
  bankAccountType: string
  created: string
}

/** The Dwolla balance Dwolla gives each verified customer: a funding source with no bank or exchange behind it. */
export interface BalanceFundingSource {
  id: string
  customerId: string
  created: string
}

/** MX's token is base64 JSON naming the account and member, as in Dwolla's examples. */
const connectionToken = () => Buffer.from(JSON.stringify({
  accountId: `ACT-${randomUUID()}`, memberId: `MBR-${randomUUID()}`
})).toString('base64')

/** The simulator's data: partners, customers, exchange sessions, exchanges and funding sources, in memory. */
export function createState () {
  const partners = createPartnerFlows()
  const customers = new Map<string, Customer>()
  const sessions = new Map<string, ExchangeSession>()
  const exchanges = new Map<string, Exchange>()
  const exchangeTokens = new Map<string, ExchangeToken>()
  const fundingSources = new Map<string, FundingSource>()
  const balances = new Map<string, BalanceFundingSource>()
  const now = () => new Date().toISOString()

  function addExchange (input: Pick<Exchange, 'customerId' | 'partner'>): Exchange {
    const exchange: Exchange = {
      id: randomUUID(), customerId: input.customerId, partner: input.partner, status: 'active', reauthRequired: false, created: now()
    }
    exchanges.set(exchange.id, exchange)
    return exchange
  }

  function addExchangeToken (session: ExchangeSession): ExchangeToken {
    const token = session.partner.grant === 'connection' ? connectionToken() : `public-sandbox-${randomUUID()}`
    const grant: ExchangeToken = { token, customerId: session.customerId, partner: session.partner, name: 'Checking', status: 'unused' }
    exchangeTokens.set(token, grant)
    return grant
  }

  /** Closes an approved session; a re-auth session's exchange is active again. */
  function settle (session: ExchangeSession) {
    session.outcome = 'approved'
    if (session.reauth) {
      session.reauth.status = 'active'
      session.reauth.reauthRequired = false
    }
    return session.reauth
  }

  return {
    partners,
    customers,
    sessions,
    exchanges,
    exchangeTokens,
    fundingSources,
    balances,
    addExchange,
    addCustomer (input: Omit<Customer, 'id' | 'created'>): Customer {
      const customer = { ...input, id: randomUUID(), created: now() }
      customers.set(customer.id, customer)
      return customer
    },
    addSession (input: Pick<ExchangeSession, 'customerId' | 'partner' | 'reauth' | 'redirectUrl' | 'bankOrigin'>): ExchangeSession {
      const session = {
        ...input,
        id: randomUUID(),
        linkToken: input.partner.flow === 'link-token' ? `link-sandbox-${randomUUID()}` : undefined,
        created: now()
      }
      sessions.set(session.id, session)
      return session
    },
    /**
     * The user approved on a bank page: a re-auth session reactivates its exchange, Visa
     * creates one, MX makes a connection available. Returns the exchange to redirect with.
     */
    approve (session: ExchangeSession): Exchange | undefined {
      const restored = settle(session)
      if (restored) return restored
      if (session.partner.grant === 'exchange') return addExchange(session)
      addExchangeToken(session)
      return undefined
    },
    /** The user approved in Plaid Link: onSuccess always receives a public token, even on re-auth. */
    approveLink (session: ExchangeSession): ExchangeToken {
      settle(session)
      return addExchangeToken(session)
    },
    addFundingSource (input: Omit<FundingSource, 'id' | 'created'>): FundingSource {
      const source = { ...input, id: randomUUID(), created: now() }
      fundingSources.set(source.id, source)
      return source
    },
    addBalance (customerId: string): BalanceFundingSource {
      const balance = { id: randomUUID(), customerId, created: now() }
      balances.set(balance.id, balance)
      return balance
    }
  }
}

export type State = ReturnType<typeof createState>
