import type { Test } from 'tap'
import t from 'tap'
import type { Simulator } from '../../../src/simulator/app.js'
import { HAL, accessToken, createSession, getHal, idOf, partnerHref, plaidPublicToken, postHal, simulator, UNKNOWN_ID } from '../../support/simulator.js'

const EXCHANGE_LOCATION = /^http:\/\/localhost:80\/exchanges\/[0-9a-f-]{36}$/
const EXPIRED = { code: 'InvalidExchangeToken', message: 'Exchange token is expired.' }
const INVALID = {
  code: 'InvalidExchangeToken',
  message: 'The exchange token is not valid to perform this operation. Either the token is expired or invalid, or the products permissions to the token are invalid or expired.'
}

async function setup (t: Test) {
  const app = await simulator(t)
  const token = await accessToken(app)
  const customerId = app.sim.createCustomer()
  const plaid = await partnerHref(app, token, 'Plaid')
  const mx = await partnerHref(app, token, 'MX')
  const create = (customer: string, body: object, headers: Record<string, string> = {}) =>
    postHal(app, token, `/customers/${customer}/exchanges`, body, { headers })
  const withPlaid = (publicToken: string) => ({ _links: { 'exchange-partner': { href: plaid } }, plaid: { publicToken } })
  const withMx = (availableConnectionToken: string) => ({ _links: { 'exchange-partner': { href: mx } }, mx: { availableConnectionToken } })
  return { app, token, customerId, plaid, mx, create, withPlaid, withMx }
}

/** An MX session for the customer, decided on its bank page. */
async function mxDecision (app: Simulator, token: string, customerId: string, decision: 'approve' | 'cancel') {
  const created = await createSession(app, token, customerId, { 'exchange-partner': { href: await partnerHref(app, token, 'MX') } })
  await app.inject({ method: 'POST', url: `/simulator/bank/${idOf(created.headers.location)}/${decision}` })
}

const connections = async (app: Simulator, token: string, customerId: string) =>
  (await getHal(app, token, `/customers/${customerId}/available-exchange-connections`))
    .json<{ _embedded: { 'available-exchange-connections': Array<{ availableConnectionToken: string; name: string }> } }>()
    ._embedded['available-exchange-connections']

t.test('Plaid: the public token from Link creates an exchange: 201, Location; GET returns it', async (t) => {
  const { app, token, customerId, plaid, create, withPlaid } = await setup(t)
  const publicToken = await plaidPublicToken(app, token, customerId)
  t.match(publicToken, /^public-sandbox-[0-9a-f-]{36}$/)
  const response = await create(customerId, withPlaid(publicToken))
  t.equal(response.statusCode, 201)
  t.equal(response.body, '')
  const location = response.headers.location as string
  t.match(location, EXCHANGE_LOCATION)
  t.equal(app.sim.count('exchanges'), 1)

  const exchange = await getHal(app, token, location)
  t.equal(exchange.statusCode, 200)
  t.match(exchange.headers['content-type'], /^application\/vnd\.dwolla\.v1\.hal\+json/)
  const body = exchange.json()
  t.same(body, {
    _links: {
      self: { href: location, type: HAL, 'resource-type': 'exchange' },
      'exchange-partner': { href: plaid, type: HAL, 'resource-type': 'exchange-partner' },
      customer: { href: `http://localhost:80/customers/${customerId}`, type: HAL, 'resource-type': 'customer' }
    },
    id: idOf(location),
    status: 'active',
    created: body.created
  })
  t.equal(new Date(body.created).toISOString(), body.created)
})

t.test('a public token is single-use', async (t) => {
  const { app, token, customerId, create, withPlaid } = await setup(t)
  const publicToken = await plaidPublicToken(app, token, customerId)
  t.equal((await create(customerId, withPlaid(publicToken))).statusCode, 201)
  const again = await create(customerId, withPlaid(publicToken))
  t.equal(again.statusCode, 401)
  t.same(again.json(), INVALID)
  t.equal(app.sim.count('exchanges'), 1)
})

t.test('an expired public token is InvalidExchangeToken 400', async (t) => {
  const { app, token, customerId, create, withPlaid } = await setup(t)
  const publicToken = await plaidPublicToken(app, token, customerId)
  app.sim.expireExchangeToken(publicToken)
  const response = await create(customerId, withPlaid(publicToken))
  t.equal(response.statusCode, 400)
  t.same(response.json(), EXPIRED)
  t.equal(app.sim.count('exchanges'), 0)
})

t.test('a token that is unknown, another customer\'s or another partner\'s is not valid', async (t) => {
  const { app, token, customerId, create, withPlaid, withMx } = await setup(t)
  const publicToken = await plaidPublicToken(app, token, customerId)
  const other = app.sim.createCustomer()
  for (const [customer, body] of [
    [customerId, withPlaid('public-sandbox-00000000-0000-4000-8000-000000000000')],
    [other, withPlaid(publicToken)],
    [customerId, withMx(publicToken)]
  ] as const) {
    const response = await create(customer, body)
    t.equal(response.statusCode, 401)
    t.same(response.json(), INVALID)
  }
  t.equal((await create(customerId, withPlaid(publicToken))).statusCode, 201, 'the rejected attempts did not use it')
})

t.test('the partner\'s token object is Required: plaid for Plaid, mx for MX', async (t) => {
  const { customerId, plaid, mx, create } = await setup(t)
  for (const [href, member] of [[plaid, 'plaid'], [mx, 'mx']] as const) {
    const response = await create(customerId, { _links: { 'exchange-partner': { href } }, token: 'someProcessorToken' })
    t.equal(response.statusCode, 400)
    t.same(response.json(), {
      code: 'ValidationError',
      message: 'Validation error(s) present. See embedded errors list for more details.',
      _embedded: { errors: [{ code: 'Required', message: `${member.charAt(0).toUpperCase()}${member.slice(1)} required.`, path: `/${member}`, _links: {} }] }
    })
  }
})

t.test('an unknown partner href is Invalid; Visa, Finicity and Flinks are Forbidden here', async (t) => {
  const { app, token, customerId, plaid, create } = await setup(t)
  const unknown = await create(customerId, { _links: { 'exchange-partner': { href: plaid.replace(/[0-9a-f-]{36}$/, UNKNOWN_ID) } }, plaid: { publicToken: 'x' } })
  t.equal(unknown.statusCode, 400)
  t.equal(unknown.json()._embedded.errors[0].path, '/_links/exchange-partner/href')
  for (const name of ['Visa', 'Finicity', 'Flinks']) {
    const response = await create(customerId, { _links: { 'exchange-partner': { href: await partnerHref(app, token, name) } }, token: 'x' })
    t.equal(response.statusCode, 403, name)
    t.same(response.json(), { code: 'Forbidden', message: 'The exchange partner specified does not support this product.' })
  }
})

t.test('an unknown customer is NotFound', async (t) => {
  const { create, withPlaid } = await setup(t)
  const response = await create(UNKNOWN_ID, withPlaid('public-sandbox-x'))
  t.equal(response.statusCode, 404)
  t.same(response.json(), { code: 'NotFound', message: 'The requested resource was not found.' })
})

t.test('a repeated POST with the same Idempotency-Key answers the same exchange', async (t) => {
  const { app, token, customerId, create, withPlaid } = await setup(t)
  const body = withPlaid(await plaidPublicToken(app, token, customerId))
  const key = { 'idempotency-key': 'exchange-1' }
  const first = await create(customerId, body, key)
  const again = await create(customerId, body, key)
  t.equal(first.statusCode, 201)
  t.equal(again.statusCode, 201)
  t.equal(again.headers.location, first.headers.location)
  t.equal(app.sim.count('exchanges'), 1)
})

t.test('GET /exchanges/:id of an unknown exchange is NotFound', async (t) => {
  const { app, token } = await setup(t)
  const response = await getHal(app, token, `/exchanges/${UNKNOWN_ID}`)
  t.equal(response.statusCode, 404)
  t.same(response.json(), { code: 'NotFound', message: 'The requested resource was not found. Check Exchange ID.' })
})

t.test('sim.deactivateExchange() makes an exchange deactivated', async (t) => {
  const { app, token, customerId, create, withPlaid } = await setup(t)
  const location = (await create(customerId, withPlaid(await plaidPublicToken(app, token, customerId)))).headers.location as string
  app.sim.deactivateExchange(idOf(location))
  t.equal((await getHal(app, token, location)).json().status, 'deactivated')
})

t.test('control calls naming an unknown exchange or token throw', async (t) => {
  const { app } = await setup(t)
  t.throws(() => app.sim.deactivateExchange(UNKNOWN_ID), { message: `The simulator has no exchange ${UNKNOWN_ID}` })
  t.throws(() => app.sim.expireExchangeToken('public-sandbox-x'), { message: 'The simulator has no exchange token public-sandbox-x' })
})

t.test('MX: Approve makes one Checking connection available; its token creates an exchange once', async (t) => {
  const { app, token, customerId, mx, create, withMx } = await setup(t)
  await mxDecision(app, token, customerId, 'approve')
  const response = await getHal(app, token, `/customers/${customerId}/available-exchange-connections`)
  t.equal(response.statusCode, 200)
  const customer = `http://localhost:80/customers/${customerId}`
  const body = response.json()
  t.same(body._links, {
    self: { href: `${customer}/available-exchange-connections`, type: HAL, 'resource-type': 'customer' },
    customers: { href: customer, type: HAL, 'resource-type': 'customer' }
  })
  const [connection, ...more] = body._embedded['available-exchange-connections']
  t.same(more, [])
  t.equal(connection.name, 'Checking')
  t.match(JSON.parse(Buffer.from(connection.availableConnectionToken, 'base64').toString()), { accountId: /^ACT-/, memberId: /^MBR-/ })

  const created = await create(customerId, withMx(connection.availableConnectionToken))
  t.equal(created.statusCode, 201)
  t.match((await getHal(app, token, created.headers.location as string)).json(), { _links: { 'exchange-partner': { href: mx } } })
  t.same(await connections(app, token, customerId), [], 'a connection turned into an exchange is no longer available')
  t.same((await create(customerId, withMx(connection.availableConnectionToken))).json(), INVALID)
})

t.test('MX: an expired connection token is InvalidExchangeToken 400', async (t) => {
  const { app, token, customerId, create, withMx } = await setup(t)
  await mxDecision(app, token, customerId, 'approve')
  const [connection] = await connections(app, token, customerId)
  app.sim.expireExchangeToken(connection!.availableConnectionToken)
  const response = await create(customerId, withMx(connection!.availableConnectionToken))
  t.equal(response.statusCode, 400)
  t.same(response.json(), EXPIRED)
})

t.test('MX: Cancel makes no connection; nor does Plaid or Visa', async (t) => {
  const { app, token, customerId } = await setup(t)
  await mxDecision(app, token, customerId, 'cancel')
  await plaidPublicToken(app, token, customerId)
  t.same(await connections(app, token, customerId), [])
})

t.test('available-exchange-connections of an unknown customer is NotFound', async (t) => {
  const { app, token } = await setup(t)
  const response = await getHal(app, token, `/customers/${UNKNOWN_ID}/available-exchange-connections`)
  t.equal(response.statusCode, 404)
  t.same(response.json(), { code: 'NotFound', message: 'The requested resource was not found. Check Customer ID.' })
})
