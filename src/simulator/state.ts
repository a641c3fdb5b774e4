import { randomUUID } from 'node:crypto'
import { createPartners, type Partner } from './partners.js'

export interface Customer {
  id: string
  firstName: string
  lastName: string
  email: string
  created: string
}

export interface ExchangeSession {
  id: string
  customerId: string
  partner: Partner
  redirectUrl: string | undefined
  /** Origin of the bank page a browser opens for this session. */
  bankOrigin: string
  /** Plaid Link's token; Plaid sessions only. */
  linkToken: string | undefined
  created: string
  /** Set once the user approved or cancelled on the bank page; a session is single-use. */
  outcome?: { approved: true; exchangeId: string } | { approved: false }
}

/** The simulator's data: partners, customers and exchange sessions, in memory. */
export function createState () {
  const partners = createPartners()
  const customers = new Map<string, Customer>()
  const sessions = new Map<string, ExchangeSession>()

  return {
    partners,
    customers,
    sessions,
    addCustomer (input: Omit<Customer, 'id' | 'created'>): Customer {
      const customer = { ...input, id: randomUUID(), created: new Date().toISOString() }
      customers.set(customer.id, customer)
      return customer
    },
    addSession (input: Pick<ExchangeSession, 'customerId' | 'partner' | 'redirectUrl' | 'bankOrigin'>): ExchangeSession {
      const session = {
        ...input,
        id: randomUUID(),
        linkToken: input.partner.flow === 'link-token' ? `link-sandbox-${randomUUID()}` : undefined,
        created: new Date().toISOString()
      }
      sessions.set(session.id, session)
      return session
    }
  }
}

export type State = ReturnType<typeof createState>
