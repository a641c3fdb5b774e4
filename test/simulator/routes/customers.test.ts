import t from 'tap'
import { HAL, accessToken, dwollaHeaders, simulator } from '../../support/simulator.js'

t.test('POST /customers creates a customer: 201 with its Location; GET returns it', async (t) => {
  const app = await simulator(t)
  const token = await accessToken(app)
  const created = await app.inject({
    method: 'POST', url: '/customers', headers: { ...dwollaHeaders(token), 'content-type': 'application/json' },
    payload: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' }
  })
  t.equal(created.statusCode, 201)
  t.equal(created.body, '')
  const location = created.headers.location as string
  t.match(location, /^http:\/\/localhost:80\/customers\/[0-9a-f-]{36}$/)
  t.equal(app.sim.count('customers'), 1)

  const response = await app.inject({ method: 'GET', url: new URL(location).pathname, headers: dwollaHeaders(token) })
  t.equal(response.statusCode, 200)
  t.match(response.json(), {
    _links: { self: { href: location, type: HAL, 'resource-type': 'customer' } },
    id: location.split('/').pop(),
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ada@example.com',
    type: 'unverified',
    status: 'unverified',
    created: /^\d{4}-\d\d-\d\dT/
  })
})

t.test('POST /customers reports a missing field as Dwolla\'s Required validation error', async (t) => {
  const app = await simulator(t)
  const response = await app.inject({
    method: 'POST', url: '/customers', headers: { ...dwollaHeaders(await accessToken(app)), 'content-type': HAL },
    payload: JSON.stringify({ lastName: 'Lovelace', email: 'ada@example.com' })
  })
  t.equal(response.statusCode, 400)
  t.same(response.json(), {
    code: 'ValidationError',
    message: 'Validation error(s) present. See embedded errors list for more details.',
    _embedded: { errors: [{ code: 'Required', message: 'FirstName required.', path: '/firstName', _links: {} }] }
  })
  t.equal(app.sim.count('customers'), 0)
})

t.test('POST /customers reports an empty name as Required, as Dwolla documents', async (t) => {
  const app = await simulator(t)
  const response = await app.inject({
    method: 'POST', url: '/customers', headers: { ...dwollaHeaders(await accessToken(app)), 'content-type': HAL },
    payload: JSON.stringify({ firstName: '', lastName: 'Lovelace', email: 'ada@example.com' })
  })
  t.equal(response.statusCode, 400)
  t.same(response.json()._embedded.errors, [{ code: 'Required', message: 'FirstName required.', path: '/firstName', _links: {} }])
})

t.test('POST /customers does not coerce types: a number is not a name', async (t) => {
  const app = await simulator(t)
  const response = await app.inject({
    method: 'POST', url: '/customers', headers: { ...dwollaHeaders(await accessToken(app)), 'content-type': HAL },
    payload: JSON.stringify({ firstName: 42, lastName: 'Lovelace', email: 'ada@example.com' })
  })
  t.equal(response.statusCode, 400)
  t.same(response.json()._embedded.errors, [{ code: 'Invalid', message: '/firstName is invalid.', path: '/firstName', _links: {} }])
})

t.test('a body that is not JSON is Dwolla\'s BadRequest', async (t) => {
  const app = await simulator(t)
  const response = await app.inject({
    method: 'POST', url: '/customers', headers: { ...dwollaHeaders(await accessToken(app)), 'content-type': HAL }, payload: '{"firstName":'
  })
  t.equal(response.statusCode, 400)
  t.same(response.json(), { code: 'BadRequest', message: 'The request body contains bad syntax or is incomplete.' })
})

t.test('GET /customers/:id of an unknown customer is NotFound', async (t) => {
  const app = await simulator(t)
  const response = await app.inject({ method: 'GET', url: '/customers/74a207b2-b7b7-4efa-8bf8-582148e7b980', headers: dwollaHeaders(await accessToken(app)) })
  t.equal(response.statusCode, 404)
  t.same(response.json(), { code: 'NotFound', message: 'The requested resource was not found.' })
})

t.test('sim.createCustomer() seeds customers with defaults or the given names', async (t) => {
  const app = await simulator(t)
  const token = await accessToken(app)
  const first = app.sim.createCustomer()
  const second = app.sim.createCustomer({ firstName: 'Demo', lastName: 'Customer', email: 'demo@example.com' })
  t.not(first, second)
  t.equal(app.sim.count('customers'), 2)
  const get = async (id: string) => (await app.inject({ method: 'GET', url: `/customers/${id}`, headers: dwollaHeaders(token) })).json()
  t.match(await get(first), { id: first, firstName: 'Jane', lastName: 'Doe', email: 'jane.doe+1@example.com' })
  t.match(await get(second), { id: second, firstName: 'Demo', lastName: 'Customer', email: 'demo@example.com' })
})
