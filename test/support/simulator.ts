import type { Test } from 'tap'
import { buildSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/app.js'

export const HAL = 'application/vnd.dwolla.v1.hal+json'
export const CLIENT_KEY = 'test-key'
export const CLIENT_SECRET = 'test-secret'
export const REGISTERED = ['https://www.yourdomain.com/iav-callback', 'com.example.app123', 'https://example.com/app123']

/** A simulator closed when the test ends. */
export async function simulator (t: Test, options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const sim = await buildSimulator({ credentials: { key: CLIENT_KEY, secret: CLIENT_SECRET }, registeredRedirects: REGISTERED, ...options })
  t.teardown(() => sim.close())
  return sim
}

export const basic = (key = CLIENT_KEY, secret = CLIENT_SECRET) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`

/** A fresh access token, fetched as a Dwolla client would. */
export async function accessToken (app: Simulator): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/token',
    headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=client_credentials'
  })
  return response.json<{ access_token: string }>().access_token
}

/** Headers of an authenticated Dwolla API request. */
export const dwollaHeaders = (token: string) => ({ accept: HAL, authorization: `Bearer ${token}` })

/** The href of a partner by name, from the simulator's own list. */
export async function partnerHref (app: Simulator, token: string, name: string): Promise<string> {
  const response = await app.inject({ method: 'GET', url: '/exchange-partners', headers: dwollaHeaders(token) })
  const partners = response.json<{ _embedded: { 'exchange-partners': Array<{ name: string; _links: { self: { href: string } } }> } }>()
  const partner = partners._embedded['exchange-partners'].find((candidate) => candidate.name === name)
  return (partner as { _links: { self: { href: string } } })._links.self.href
}

/** POSTs an exchange session body the way Dwolla's examples do. */
export function createSession (app: Simulator, token: string, customerId: string, links: object, { headers = {} }: { headers?: Record<string, string> } = {}) {
  return app.inject({
    method: 'POST',
    url: `/customers/${customerId}/exchange-sessions`,
    headers: { ...dwollaHeaders(token), 'content-type': HAL, ...headers },
    payload: JSON.stringify({ _links: links })
  })
}

/** POSTs a HAL body to a Dwolla API path. */
export function postHal (app: Simulator, token: string, url: string, body: object, { headers = {} }: { headers?: Record<string, string> } = {}) {
  return app.inject({
    method: 'POST', url, headers: { ...dwollaHeaders(token), 'content-type': HAL, ...headers }, payload: JSON.stringify(body)
  })
}

/** GETs a Dwolla API path, or the path of a Location. */
export function getHal (app: Simulator, token: string, url: string) {
  return app.inject({ method: 'GET', url: url.startsWith('http') ? new URL(url).pathname : url, headers: dwollaHeaders(token) })
}

/** The last path segment of a Location: the created resource's id. */
export const idOf = (location: unknown) => (location as string).split('/').pop() as string

/** A Plaid session for the customer, approved in the simulated Plaid Link: its public token. */
export async function plaidPublicToken (app: Simulator, token: string, customerId: string): Promise<string> {
  const created = await createSession(app, token, customerId, { 'exchange-partner': { href: await partnerHref(app, token, 'Plaid') } })
  const session = await getHal(app, token, created.headers.location as string)
  const linkToken = session.json<{ externalProviderSessionToken: string }>().externalProviderSessionToken
  const approved = await app.inject({ method: 'POST', url: `/simulator/plaid/link/${linkToken}/approve` })
  return approved.json<{ public_token: string }>().public_token
}

/** A Visa session for the customer, approved on its bank page: the exchange id it redirects with. */
export async function visaExchange (app: Simulator, token: string, customerId: string): Promise<string> {
  const created = await createSession(app, token, customerId, {
    'exchange-partner': { href: await partnerHref(app, token, 'Visa') },
    'redirect-url': { href: REGISTERED[0] as string }
  })
  const approved = await app.inject({ method: 'POST', url: `/simulator/bank/${idOf(created.headers.location)}/approve` })
  return new URL(approved.headers.location as string).searchParams.get('exchange') as string
}

/** A customer id the simulator has never seen. */
export const UNKNOWN_ID = '74a207b2-b7b7-4efa-8bf8-582148e7b980'

/** A simulator with one customer who has a Visa exchange, and the token to call it with. */
export async function customerWithExchange (t: Test) {
  const app = await simulator(t)
  const token = await accessToken(app)
  const customerId = app.sim.createCustomer()
  const exchangeId = await visaExchange(app, token, customerId)
  return { app, token, customerId, exchangeId }
}
