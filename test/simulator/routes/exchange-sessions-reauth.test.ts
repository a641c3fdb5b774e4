import type { Test } from 'tap'
import t from 'tap'
import { HAL, REGISTERED, accessToken, createSession, dwollaHeaders, getHal, idOf, partnerHref, plaidPublicToken, postHal, simulator, visaExchange } from '../../support/simulator.js'

const SESSION_LOCATION = /^http:\/\/localhost:80\/exchange-sessions\/[0-9a-f-]{36}$/

async function setup (t: Test) {
  const app = await simulator(t)
  const token = await accessToken(app)
  const customerId = app.sim.createCustomer()
  const reauth = (exchangeId: string, body: object) => postHal(app, token, `/exchanges/${exchangeId}/exchange-sessions`, body)
  return { app, token, customerId, reauth }
}

const invalidRedirect = (message = '/_links/redirect-url/href is invalid.') => ({
  code: 'ValidationError',
  message: 'Validation error(s) present. See embedded errors list for more details.',
  _embedded: { errors: [{ code: 'Invalid', message, path: '/_links/redirect-url/href', _links: {} }] }
})

t.test('Visa: a re-auth session leads to the bank page; Approve reactivates the same exchange', async (t) => {
  const { app, token, customerId, reauth } = await setup(t)
  const exchangeId = await visaExchange(app, token, customerId)
  app.sim.deactivateExchange(exchangeId)
  const response = await reauth(exchangeId, { _links: { 'redirect-url': { href: REGISTERED[0] } } })
  t.equal(response.statusCode, 201)
  t.equal(response.body, '')
  const location = response.headers.location as string
  t.match(location, SESSION_LOCATION)
  const session = (await getHal(app, token, location)).json()
  t.same(session._links['exchange-partner'].href, await partnerHref(app, token, 'Visa'))
  const page = `/simulator/bank/${idOf(location)}`
  t.same(session._links['external-provider-session'], { href: `http://localhost:80${page}`, type: HAL, 'resource-type': 'text/html' })

  const approved = await app.inject({ method: 'POST', url: `${page}/approve` })
  t.equal(approved.statusCode, 303)
  t.equal(approved.headers.location, `${REGISTERED[0]}?exchange=${exchangeId}`)
  t.equal((await getHal(app, token, `/exchanges/${exchangeId}`)).json().status, 'active')
  t.equal(app.sim.count('exchanges'), 1)
  t.equal(app.sim.count('exchangeSessions'), 2)
})

t.test('Visa: the re-auth redirect URL is required, well-formed and registered', async (t) => {
  const { app, token, customerId, reauth } = await setup(t)
  const exchangeId = await visaExchange(app, token, customerId)
  t.same((await reauth(exchangeId, {})).json(), invalidRedirect())
  t.same((await reauth(exchangeId, { _links: { 'redirect-url': { href: 'com.example.app123' } } })).json(), invalidRedirect())
  const unregistered = await reauth(exchangeId, { _links: { 'redirect-url': { href: 'https://not-registered.example/cb' } } })
  t.equal(unregistered.statusCode, 400)
  t.same(unregistered.json(), invalidRedirect('The provided redirect URL must exactly match one of the configured URLs for the account.'))
  t.equal(app.sim.count('exchangeSessions'), 1)
})

t.test('Plaid: a re-auth session needs no body; Link approval reactivates the exchange', async (t) => {
  const { app, token, customerId, reauth } = await setup(t)
  const plaid = await partnerHref(app, token, 'Plaid')
  const created = await postHal(app, token, `/customers/${customerId}/exchanges`, {
    _links: { 'exchange-partner': { href: plaid } }, plaid: { publicToken: await plaidPublicToken(app, token, customerId) }
  })
  const exchangeId = idOf(created.headers.location)
  app.sim.deactivateExchange(exchangeId)

  const bodiless = await app.inject({ method: 'POST', url: `/exchanges/${exchangeId}/exchange-sessions`, headers: dwollaHeaders(token) })
  t.equal(bodiless.statusCode, 201)
  t.equal((await reauth(exchangeId, {})).statusCode, 201, 'the SDK example sends {}')
  t.equal((await reauth(exchangeId, { _links: { 'redirect-url': { href: 'com.example.app123' } } })).statusCode, 201)
  t.same((await reauth(exchangeId, { _links: { 'redirect-url': { href: 'not a package' } } })).json(), invalidRedirect())

  const session = (await getHal(app, token, bodiless.headers.location as string)).json()
  t.match(session, { _links: { 'exchange-partner': { href: plaid } }, externalProviderSessionToken: /^link-sandbox-/ })
  const approved = await app.inject({ method: 'POST', url: `/simulator/plaid/link/${session.externalProviderSessionToken}/approve` })
  t.equal(approved.statusCode, 200)
  t.equal((await getHal(app, token, `/exchanges/${exchangeId}`)).json().status, 'active')
})

t.test('MX: a re-auth session ignores a redirect URL; Approve reactivates the exchange', async (t) => {
  const { app, token, customerId, reauth } = await setup(t)
  const session = await createSession(app, token, customerId, { 'exchange-partner': { href: await partnerHref(app, token, 'MX') } })
  await app.inject({ method: 'POST', url: `/simulator/bank/${idOf(session.headers.location)}/approve` })
  const connections = await getHal(app, token, `/customers/${customerId}/available-exchange-connections`)
  const [connection] = connections.json()._embedded['available-exchange-connections']
  const created = await postHal(app, token, `/customers/${customerId}/exchanges`, {
    _links: { 'exchange-partner': { href: await partnerHref(app, token, 'MX') } }, mx: { availableConnectionToken: connection.availableConnectionToken }
  })
  const exchangeId = idOf(created.headers.location)
  app.sim.deactivateExchange(exchangeId)
  const response = await reauth(exchangeId, { _links: { 'redirect-url': { href: 'https://not-registered.example/cb' } } })
  t.equal(response.statusCode, 201)
  const page = await app.inject({ method: 'POST', url: `/simulator/bank/${idOf(response.headers.location)}/approve` })
  t.match(page.body, '<h1>Bank connected</h1>')
  t.equal((await getHal(app, token, `/exchanges/${exchangeId}`)).json().status, 'active')
})

t.test('a re-auth session for an unknown exchange is NotFound', async (t) => {
  const { reauth } = await setup(t)
  const response = await reauth('74a207b2-b7b7-4efa-8bf8-582148e7b980', {})
  t.equal(response.statusCode, 404)
  t.same(response.json(), { code: 'NotFound', message: 'The requested resource was not found.' })
})
