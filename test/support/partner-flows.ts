import type { InjectOptions } from 'fastify'
import type { startStack } from './stack.js'
import { REDIRECTS } from './stack.js'

type Stack = Awaited<ReturnType<typeof startStack>>

export const json = (payload: unknown, { headers = {} }: { headers?: Record<string, string> } = {}) => ({
  headers: { 'content-type': 'application/json', ...headers },
  payload: JSON.stringify(payload)
})

/**
 * What a user does at each partner, driven through the service and the simulator as an app and
 * a browser would; `headers` go with every call to the service (a caller token, say).
 */
export function partnerFlows ({ app, simulator, customerId }: Stack, { headers = {} }: { headers?: Record<string, string> } = {}) {
  const service = (options: InjectOptions) => app.inject({ ...options, headers: { ...options.headers, ...headers } })

  async function startSession (body: object, customer = customerId) {
    const response = await service({ method: 'POST', url: `/v1/customers/${customer}/exchange-sessions`, ...json(body) })
    return response.json() as { exchangeSessionUrl: string, linkToken: string }
  }

  /** The user presses Approve on the bank page, as a browser posts its form. */
  async function approveOnBankPage (exchangeSessionUrl: string): Promise<Response> {
    const page = await (await fetch(exchangeSessionUrl)).text()
    const action = /<form method="post" action="([^"]+\/approve)">/.exec(page)?.[1] as string
    return fetch(new URL(action, exchangeSessionUrl), { method: 'POST', redirect: 'manual' })
  }

  /** Visa: approve on the bank page, and take the exchange from the redirect back to the app. */
  async function visaExchange (customer = customerId): Promise<string> {
    const { exchangeSessionUrl } = await startSession({ partner: 'visa', redirectUrl: REDIRECTS.visa }, customer)
    const redirect = await approveOnBankPage(exchangeSessionUrl)
    return new URL(redirect.headers.get('location') as string).searchParams.get('exchange') as string
  }

  return {
    service,
    startSession,
    approveOnBankPage,
    visaExchange,
    /** A Visa bank link made through the service: its exchange and the funding source the app creates from it. */
    async visaBank (customer = customerId) {
      const exchangeId = await visaExchange(customer)
      const created = await service({
        method: 'POST', url: `/v1/customers/${customer}/funding-sources`, ...json({ partner: 'visa', exchangeId, name: 'Checking', bankAccountType: 'checking' })
      })
      return { exchangeId, fundingSourceId: created.json().fundingSourceId as string }
    },
    /** Plaid: Link's approval hands the app a public token. */
    async plaidPublicToken (customer = customerId): Promise<string> {
      const { linkToken } = await startSession({ partner: 'plaid' }, customer)
      const approved = await simulator.inject({ method: 'POST', url: `/simulator/plaid/link/${linkToken}/approve` })
      return approved.json().public_token
    },
    /** MX: approve on the bank page, then pick the connection from the service's list. */
    async mxConnectionToken (customer = customerId): Promise<string> {
      const { exchangeSessionUrl } = await startSession({ partner: 'mx' }, customer)
      await approveOnBankPage(exchangeSessionUrl)
      const list = await service({ method: 'GET', url: `/v1/customers/${customer}/available-exchange-connections` })
      return list.json().connections[0].availableConnectionToken
    }
  }
}
