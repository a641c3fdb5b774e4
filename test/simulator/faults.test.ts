import t from 'tap'
import { HAL, accessToken, dwollaHeaders, getHal, partnerHref, plaidPublicToken, postHal, simulator, customerWithExchange } from '../support/simulator.js'

const PARTNERS = { method: 'GET', route: '/exchange-partners' }

t.test('a status fault answers that status and headers, once by default, before auth', async (t) => {
  const app = await simulator(t)
  app.sim.fault({ ...PARTNERS, status: 503, headers: { 'retry-after': '7' } })
  const faulted = await app.inject({ method: 'GET', url: '/exchange-partners' })
  t.equal(faulted.statusCode, 503)
  t.equal(faulted.headers['retry-after'], '7')
  t.equal(faulted.body, '')
  const next = await app.inject({ method: 'GET', url: '/exchange-partners', headers: { accept: HAL } })
  t.equal(next.statusCode, 401)
  t.match(app.sim.calls, [{ route: '/exchange-partners', authorized: false, status: 503 }, { status: 401 }])
})

t.test('a string body is sent as text/html, like a proxy\'s error page', async (t) => {
  const app = await simulator(t)
  app.sim.fault({ method: 'post', route: '/token', status: 502, body: '<html><body>Bad Gateway</body></html>' })
  const response = await app.inject({ method: 'POST', url: '/token' })
  t.equal(response.statusCode, 502)
  t.match(response.headers['content-type'], /^text\/html/)
  t.equal(response.body, '<html><body>Bad Gateway</body></html>')
})

t.test('a JSON body alone answers 500 with Dwolla\'s media type', async (t) => {
  const app = await simulator(t)
  app.sim.fault({ ...PARTNERS, body: { code: 'ServerError', message: 'A server error occurred. Error ID: x' } })
  const response = await app.inject({ method: 'GET', url: '/exchange-partners' })
  t.equal(response.statusCode, 500)
  t.match(response.headers['content-type'], /^application\/vnd\.dwolla\.v1\.hal\+json/)
  t.same(response.json(), { code: 'ServerError', message: 'A server error occurred. Error ID: x' })
})

t.test('times: the next N matching calls fail, other routes and methods are untouched', async (t) => {
  const app = await simulator(t)
  const token = await accessToken(app)
  app.sim.fault({ ...PARTNERS, times: 2, status: 429 })
  const other = await app.inject({ method: 'GET', url: '/customers/x', headers: dwollaHeaders(token) })
  t.equal(other.statusCode, 404)
  const statuses = []
  for (let i = 0; i < 3; i++) {
    statuses.push((await app.inject({ method: 'GET', url: '/exchange-partners', headers: dwollaHeaders(token) })).statusCode)
  }
  t.same(statuses, [429, 429, 200])
})

t.test('a delay alone slows the call, which then proceeds normally', async (t) => {
  const app = await simulator(t)
  const token = await accessToken(app)
  app.sim.fault({ ...PARTNERS, delayMs: 120 })
  const started = Date.now()
  const response = await app.inject({ method: 'GET', url: '/exchange-partners', headers: dwollaHeaders(token) })
  t.ok(Date.now() - started >= 110)
  t.equal(response.statusCode, 200)
  t.match(app.sim.calls.at(-1), { authorized: true, status: 200 })
})

t.test('a delay before a status answers that status late', async (t) => {
  const app = await simulator(t)
  app.sim.fault({ ...PARTNERS, delayMs: 100, status: 504 })
  const started = Date.now()
  const response = await app.inject({ method: 'GET', url: '/exchange-partners' })
  t.ok(Date.now() - started >= 90)
  t.equal(response.statusCode, 504)
})

t.test('reset destroys the connection without an answer', async (t) => {
  const app = await simulator(t)
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const token = await accessToken(app)
  app.sim.fault({ ...PARTNERS, reset: true })
  await t.rejects(fetch(`${address}/exchange-partners`, { headers: dwollaHeaders(token) }), { name: 'TypeError' })
  const next = await fetch(`${address}/exchange-partners`, { headers: dwollaHeaders(token) })
  t.equal(next.status, 200)
  t.equal(next.headers.get('content-type'), `${HAL}; charset=utf-8`)
  t.match(app.sim.calls.slice(-2), [{ route: '/exchange-partners', status: 0 }, { status: 200 }])
})

t.test('reset() clears calls and faults but keeps data', async (t) => {
  const app = await simulator(t)
  await accessToken(app)
  app.sim.createCustomer()
  app.sim.fault({ method: 'POST', route: '/token', status: 500 })
  app.sim.reset()
  t.equal(app.sim.calls.length, 0)
  await accessToken(app)
  t.match(app.sim.calls, [{ route: '/token', status: 200 }])
  t.equal(app.sim.count('tokens'), 2)
  t.equal(app.sim.count('customers'), 1)
})

t.test('a fault body that cannot be sent becomes Dwolla\'s ServerError', async (t) => {
  const app = await simulator(t)
  app.sim.fault({ ...PARTNERS, status: 200, body: { value: 1n } })
  const response = await app.inject({ method: 'GET', url: '/exchange-partners' })
  t.equal(response.statusCode, 500)
  t.match(response.json(), { code: 'ServerError', message: /^A server error occurred\. Error ID: \S+$/ })
})

t.test('faults and call recording apply to exchanges and funding sources too', async (t) => {
  const { app, token, customerId, exchangeId } = await customerWithExchange(t)
  const plaid = await partnerHref(app, token, 'Plaid')
  const body = { _links: { 'exchange-partner': { href: plaid } }, plaid: { publicToken: await plaidPublicToken(app, token, customerId) } }
  app.sim.reset()
  app.sim.fault({ method: 'POST', route: '/customers/:id/exchanges', status: 503 })
  app.sim.fault({ method: 'POST', route: '/customers/:id/funding-sources', status: 502, body: '<h1>Bad Gateway</h1>' })
  app.sim.fault({ method: 'GET', route: '/exchanges/:id', status: 500, body: { code: 'ServerError', message: 'x' } })
  t.equal((await postHal(app, token, `/customers/${customerId}/exchanges`, body)).statusCode, 503)
  t.equal(app.sim.count('exchanges'), 1, 'the faulted call created nothing')
  t.equal((await postHal(app, token, `/customers/${customerId}/exchanges`, body)).statusCode, 201, 'the token is still unused')
  const source = await postHal(app, token, `/customers/${customerId}/funding-sources`, {
    _links: { exchange: { href: `http://localhost:80/exchanges/${exchangeId}` } }, bankAccountType: 'checking', name: 'Checking'
  })
  t.equal(source.statusCode, 502)
  t.equal(app.sim.count('fundingSources'), 0)
  t.equal((await getHal(app, token, `/exchanges/${exchangeId}`)).statusCode, 500)
  t.match(app.sim.calls, [
    { method: 'POST', route: '/customers/:id/exchanges', authorized: false, status: 503 },
    { method: 'POST', route: '/customers/:id/exchanges', authorized: true, status: 201 },
    { method: 'POST', route: '/customers/:id/funding-sources', authorized: false, status: 502 },
    { method: 'GET', route: '/exchanges/:id', url: `/exchanges/${exchangeId}`, status: 500 }
  ])
})
