import type { Test } from 'tap'
import t from 'tap'
import { HAL, accessToken, getHal, idOf, partnerHref, postHal, simulator, visaExchange, customerWithExchange, UNKNOWN_ID } from '../../support/simulator.js'

async function setup (t: Test) {
  const { app, token, customerId, exchangeId } = await customerWithExchange(t)
  const created = await postHal(app, token, `/customers/${customerId}/funding-sources`, {
    _links: { exchange: { href: `http://localhost:80/exchanges/${exchangeId}` } }, bankAccountType: 'checking', name: 'Checking'
  })
  const fundingSourceId = idOf(created.headers.location)
  const balance = (id = fundingSourceId) => getHal(app, token, `/funding-sources/${id}/balance`)
  return { app, token, customerId, exchangeId, fundingSourceId, balance }
}

t.test("a funding source's balance: available and closing, as Dwolla's example shows them", async (t) => {
  const { fundingSourceId, balance } = await setup(t)
  const response = await balance()
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^application\/vnd\.dwolla\.v1\.hal\+json/)
  const body = response.json()
  t.same(body, {
    _links: {
      self: { href: `http://localhost:80/funding-sources/${fundingSourceId}/balance`, type: HAL, 'resource-type': 'balance' },
      'funding-source': { href: `http://localhost:80/funding-sources/${fundingSourceId}`, type: HAL, 'resource-type': 'funding-source' }
    },
    available: { value: '542.00', currency: 'USD' },
    closing: { value: '542.00', currency: 'USD' },
    lastUpdated: body.lastUpdated
  })
  t.equal(new Date(body.lastUpdated).toISOString(), body.lastUpdated)
  t.match((await balance(UNKNOWN_ID)).json(), { code: 'NotFound' })
  t.equal((await balance(UNKNOWN_ID)).statusCode, 404)
})

t.test('revoked access: UpdateCredentials naming the re-auth href until a re-auth session is approved', async (t) => {
  const { app, token, exchangeId, balance } = await setup(t)
  app.sim.revokeAccess(exchangeId)
  const refused = await balance()
  t.equal(refused.statusCode, 400)
  t.same(refused.json(), {
    code: 'UpdateCredentials',
    message: 'Re-authentication is required in order to access account data. Please initiate the exchange session flow to regain access.',
    _links: { about: { href: `http://localhost:80/exchanges/${exchangeId}/exchange-sessions`, type: HAL, 'resource-type': 'exchange-session' } }
  })
  t.equal((await getHal(app, token, `/exchanges/${exchangeId}`)).json().status, 'active', 'pending deactivation, still active')

  const session = await postHal(app, token, `/exchanges/${exchangeId}/exchange-sessions`, {
    _links: { 'redirect-url': { href: 'https://www.yourdomain.com/iav-callback' } }
  })
  await app.inject({ method: 'POST', url: `/simulator/bank/${idOf(session.headers.location)}/approve` })
  t.equal((await balance()).statusCode, 200, 're-authenticated')

  app.sim.deactivateExchange(exchangeId)
  t.match((await balance()).json(), { code: 'UpdateCredentials' }, 'a deactivated exchange needs re-authentication too')
})

t.test('MX reports no available balance', async (t) => {
  const app = await simulator(t)
  const token = await accessToken(app)
  const customerId = app.sim.createCustomer()
  const session = await postHal(app, token, `/customers/${customerId}/exchange-sessions`, {
    _links: { 'exchange-partner': { href: await partnerHref(app, token, 'MX') } }
  })
  await app.inject({ method: 'POST', url: `/simulator/bank/${idOf(session.headers.location)}/approve` })
  const connections = (await getHal(app, token, `/customers/${customerId}/available-exchange-connections`)).json()
  const exchange = await postHal(app, token, `/customers/${customerId}/exchanges`, {
    _links: { 'exchange-partner': { href: await partnerHref(app, token, 'MX') } },
    mx: { availableConnectionToken: connections._embedded['available-exchange-connections'][0].availableConnectionToken }
  })
  const source = await postHal(app, token, `/customers/${customerId}/funding-sources`, {
    _links: { exchange: { href: exchange.headers.location } }, bankAccountType: 'checking', name: 'MX'
  })
  const body = (await getHal(app, token, `/funding-sources/${idOf(source.headers.location)}/balance`)).json()
  t.notOk('available' in body)
  t.same(body.closing, { value: '542.00', currency: 'USD' })
})

t.test("GET /customers/:id/exchanges lists the customer's exchanges only", async (t) => {
  const { app, token, customerId, exchangeId } = await setup(t)
  const other = app.sim.createCustomer()
  await visaExchange(app, token, other)
  const response = await getHal(app, token, `/customers/${customerId}/exchanges`)
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(body, {
    _links: { self: { href: 'http://localhost:80/exchanges', type: HAL, 'resource-type': 'exchange' } },
    _embedded: {
      exchanges: [{
        _links: {
          self: { href: `http://localhost:80/exchanges/${exchangeId}`, type: HAL, 'resource-type': 'exchange' },
          'exchange-partner': { href: await partnerHref(app, token, 'Visa'), type: HAL, 'resource-type': 'exchange-partner' },
          'funding-sources': { href: 'http://localhost:80/funding-sources', type: HAL, 'resource-type': 'funding-source' },
          customer: { href: `http://localhost:80/customers/${customerId}`, type: HAL, 'resource-type': 'customer' }
        },
        id: exchangeId,
        status: 'active',
        created: body._embedded.exchanges[0].created
      }]
    },
    total: 1
  })
  const unknown = await getHal(app, token, `/customers/${UNKNOWN_ID}/exchanges`)
  t.equal(unknown.statusCode, 404)
  t.same(unknown.json(), { code: 'NotFound', message: 'Customer ID not found. Check Customer ID.' })
})

t.test('the bank page of a connection revokes access; the control does too', async (t) => {
  const { app, exchangeId, balance } = await setup(t)
  const page = await app.inject({ method: 'GET', url: `/simulator/bank/exchanges/${exchangeId}` })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-security-policy'], "default-src 'none'")
  t.match(page.body, `<form method="post" action="/simulator/bank/exchanges/${exchangeId}/revoke"><button type="submit">Revoke access</button></form>`)
  const revoked = await app.inject({ method: 'POST', url: `/simulator/bank/exchanges/${exchangeId}/revoke` })
  t.equal(revoked.statusCode, 200)
  t.match(revoked.body, 'Access revoked')
  t.notMatch(revoked.body, 'Revoke access', 'nothing left to revoke')
  t.match((await balance()).json(), { code: 'UpdateCredentials' })
  const again = await app.inject({ method: 'POST', url: `/simulator/bank/exchanges/${exchangeId}/revoke` })
  t.match(again.body, 'Access revoked')
  t.equal(app.sim.webhooks.deliveries.length, 0, 'no subscriber, nothing sent')

  const missing = await app.inject({ method: 'GET', url: `/simulator/bank/exchanges/${UNKNOWN_ID}` })
  t.equal(missing.statusCode, 404)
  t.match(missing.body, 'Connection not found')
  t.equal((await app.inject({ method: 'POST', url: `/simulator/bank/exchanges/${UNKNOWN_ID}/revoke` })).statusCode, 404)

  t.throws(() => app.sim.revokeAccess(UNKNOWN_ID), { message: `The simulator has no exchange ${UNKNOWN_ID}` })
  const control = await app.inject({ method: 'POST', url: `/__simulator/exchanges/${UNKNOWN_ID}/revoke` })
  t.equal(control.statusCode, 404)
})

t.test('POST /__simulator/exchanges/:id/revoke makes the exchange need re-authentication', async (t) => {
  const { app, exchangeId, balance } = await setup(t)
  const control = await app.inject({ method: 'POST', url: `/__simulator/exchanges/${exchangeId}/revoke` })
  t.equal(control.statusCode, 204)
  t.match((await balance()).json(), { code: 'UpdateCredentials' })
})

t.test("a verified customer's Dwolla balance: a balance-type funding source of its own, with no exchange", async (t) => {
  const app = await simulator(t)
  const token = await accessToken(app)
  const customerId = app.sim.createCustomer()
  const id = app.sim.addBalanceFundingSource(customerId)
  const source = await getHal(app, token, `/funding-sources/${id}`)
  t.equal(source.statusCode, 200)
  const body = source.json()
  t.same(body, {
    _links: {
      self: { href: `http://localhost:80/funding-sources/${id}`, type: HAL, 'resource-type': 'funding-source' },
      balance: { href: `http://localhost:80/funding-sources/${id}/balance`, type: HAL, 'resource-type': 'balance' },
      customer: { href: `http://localhost:80/customers/${customerId}`, type: HAL, 'resource-type': 'customer' }
    },
    id,
    status: 'verified',
    type: 'balance',
    name: 'Balance',
    created: body.created,
    removed: false,
    channels: []
  })
  const balance = await getHal(app, token, `/funding-sources/${id}/balance`)
  t.equal(balance.statusCode, 200)
  t.same(balance.json(), {
    _links: {
      self: { href: `http://localhost:80/funding-sources/${id}/balance`, type: HAL, 'resource-type': 'balance' },
      'funding-source': { href: `http://localhost:80/funding-sources/${id}`, type: HAL, 'resource-type': 'funding-source' }
    },
    balance: { value: '0.00', currency: 'USD' },
    total: { value: '0.00', currency: 'USD' },
    lastUpdated: body.created
  }, "in a Dwolla balance's own shape, not a bank's")
  t.equal(app.sim.count('fundingSources'), 0, 'not a bank funding source')
  t.throws(() => app.sim.addBalanceFundingSource(UNKNOWN_ID), { message: `The simulator has no customer ${UNKNOWN_ID}` })
})
