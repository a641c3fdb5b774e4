import type { Test } from 'tap'
import t from 'tap'
import { HAL, getHal, idOf, postHal, customerWithExchange, UNKNOWN_ID } from '../../support/simulator.js'

const VALIDATION_MESSAGE = 'Validation error(s) present. See embedded errors list for more details.'

async function setup (t: Test) {
  const { app, token, customerId, exchangeId } = await customerWithExchange(t)
  const body = (fields: object = {}, exchange = `http://localhost:80/exchanges/${exchangeId}`) =>
    ({ _links: { exchange: { href: exchange } }, bankAccountType: 'checking', name: 'Jane Doe - Checking', ...fields })
  const create = (payload: object, customer = customerId, headers: Record<string, string> = {}) =>
    postHal(app, token, `/customers/${customer}/funding-sources`, payload, { headers })
  return { app, token, customerId, exchangeId, body, create }
}

const embedded = (code: string, path: string, message: string) => ({
  code: 'ValidationError', message: VALIDATION_MESSAGE, _embedded: { errors: [{ code, message, path, _links: {} }] }
})

t.test('an exchange becomes a verified bank funding source: 201, Location; GET returns it', async (t) => {
  const { app, token, customerId, exchangeId, body, create } = await setup(t)
  const response = await create(body({ bankAccountType: 'savings' }))
  t.equal(response.statusCode, 201)
  t.equal(response.body, '')
  const location = response.headers.location as string
  t.match(location, /^http:\/\/localhost:80\/funding-sources\/[0-9a-f-]{36}$/)
  t.equal(app.sim.count('fundingSources'), 1)

  const source = await getHal(app, token, location)
  t.equal(source.statusCode, 200)
  const json = source.json()
  t.same(json, {
    _links: {
      self: { href: location, type: HAL, 'resource-type': 'funding-source' },
      customer: { href: `http://localhost:80/customers/${customerId}`, type: HAL, 'resource-type': 'customer' },
      exchange: { href: `http://localhost:80/exchanges/${exchangeId}`, type: HAL, 'resource-type': 'exchange' }
    },
    id: idOf(location),
    status: 'verified',
    type: 'bank',
    bankAccountType: 'savings',
    name: 'Jane Doe - Checking',
    created: json.created,
    removed: false,
    channels: ['ach'],
    bankName: 'SANDBOX TEST BANK'
  })
  t.equal(new Date(json.created).toISOString(), json.created)
})

t.test("the same exchange again is Dwolla's documented duplicate for an exchange: a 400 ValidationError naming no id", async (t) => {
  const { app, body, create } = await setup(t)
  t.equal((await create(body())).statusCode, 201)
  const again = await create(body({ name: 'Another name' }))
  t.equal(again.statusCode, 400)
  t.same(again.json(), {
    code: 'ValidationError',
    message: 'Duplicate funding source or validation error. Authorization already associated to a funding source.'
  })
  t.equal(app.sim.count('fundingSources'), 1)
})

t.test('a repeated POST with the same Idempotency-Key answers the same funding source', async (t) => {
  const { app, customerId, body, create } = await setup(t)
  const key = { 'idempotency-key': 'funding-source-1' }
  const first = await create(body(), customerId, key)
  const again = await create(body(), customerId, key)
  t.equal(again.statusCode, 201)
  t.equal(again.headers.location, first.headers.location)
  t.equal(app.sim.count('fundingSources'), 1)
})

t.test('an unknown or malformed exchange href is Invalid on its path', async (t) => {
  const { body, create } = await setup(t)
  for (const href of [`http://localhost:80/exchanges/${UNKNOWN_ID}`, 'not a url']) {
    const response = await create(body({}, href))
    t.equal(response.statusCode, 400, href)
    t.same(response.json(), embedded('Invalid', '/_links/exchange/href', '/_links/exchange/href is invalid.'))
  }
})

t.test('another customer\'s exchange is Forbidden', async (t) => {
  const { app, body, create } = await setup(t)
  const response = await create(body(), app.sim.createCustomer())
  t.equal(response.statusCode, 403)
  t.same(response.json(), { code: 'Forbidden', message: 'Not authorized to create funding source.' })
})

t.test('a deactivated exchange is InactiveExchange', async (t) => {
  const { app, exchangeId, body, create } = await setup(t)
  app.sim.deactivateExchange(exchangeId)
  const response = await create(body())
  t.equal(response.statusCode, 400)
  t.same(response.json(), { code: 'InactiveExchange', message: 'The Exchange was removed or disabled.' })
  t.equal(app.sim.count('fundingSources'), 0)
})

t.test('bankAccountType and name are validated as Dwolla documents them', async (t) => {
  const { app, body, create } = await setup(t)
  const cases: Array<[object, object]> = [
    [{ bankAccountType: 'loan' }, embedded('Invalid', '/bankAccountType', '/bankAccountType is invalid.')],
    [{ name: '' }, embedded('Required', '/name', 'Name required.')],
    [{ name: 'x'.repeat(51) }, embedded('Invalid', '/name', '/name is invalid.')],
    [{ _links: {} }, embedded('Required', '/_links/exchange', 'Exchange required.')]
  ]
  for (const [fields, error] of cases) {
    const response = await create(body(fields))
    t.equal(response.statusCode, 400, JSON.stringify(fields))
    t.same(response.json(), error)
  }
  t.equal((await create(body({ name: 'x'.repeat(50) }))).statusCode, 201)
  t.equal(app.sim.count('fundingSources'), 1)
})

t.test('an unknown customer is NotFound as the funding-source docs word it', async (t) => {
  const { body, create } = await setup(t)
  const response = await create(body(), UNKNOWN_ID)
  t.equal(response.statusCode, 404)
  t.same(response.json(), { code: 'NotFound', message: 'Customer ID not found. Check Customer ID.' })
})

t.test('GET /funding-sources/:id of an unknown funding source is NotFound', async (t) => {
  const { app, token } = await setup(t)
  const response = await getHal(app, token, `/funding-sources/${UNKNOWN_ID}`)
  t.equal(response.statusCode, 404)
  t.same(response.json(), { code: 'NotFound', message: 'The requested resource was not found.' })
})
