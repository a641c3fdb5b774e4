import t from 'tap'
import { randomUUID } from 'node:crypto'
import type { InjectOptions } from 'fastify'
import type { Fault } from '../../src/simulator/app.js'
import { REDIRECTS, startStack } from '../support/stack.js'

const ROUTE = '/customers/:id/exchange-sessions'
const json = (payload: unknown, headers: Record<string, string> = {}) => ({
  headers: { 'content-type': 'application/json', ...headers },
  payload: JSON.stringify(payload)
})

t.test('creates a session for every example in Dwolla\'s exchange-session page', async (t) => {
  const { app, sim, customerId } = await startStack(t)
  const url = `/v1/customers/${customerId}/exchange-sessions`
  const cases = [
    { body: { partner: 'visa', redirectUrl: REDIRECTS.visa }, key: 'exchangeSessionUrl' },
    { body: { partner: 'plaid' }, key: 'linkToken' },
    { body: { partner: 'plaid', platform: 'web' }, key: 'linkToken' },
    { body: { partner: 'plaid', platform: 'android', redirectUrl: REDIRECTS.android }, key: 'linkToken' },
    { body: { partner: 'plaid', platform: 'ios', redirectUrl: REDIRECTS.ios }, key: 'linkToken' },
    { body: { partner: 'mx' }, key: 'exchangeSessionUrl' },
    { body: { partner: 'visa', platform: 'android', redirectUrl: REDIRECTS.visa }, key: 'exchangeSessionUrl' }
  ]
  for (const { body, key } of cases) {
    const response = await app.inject({ method: 'POST', url, ...json(body) })
    t.equal(response.statusCode, 201, JSON.stringify(body))
    t.equal(response.headers['cache-control'], 'no-store')
    t.match(response.headers['content-type'], /^application\/json/)
    const answer = response.json()
    t.same(Object.keys(answer).sort(), ['partner', key].sort(), 'exactly partner and what the app needs')
    t.equal(answer.partner, body.partner)
    if (key === 'linkToken') t.match(answer.linkToken, /^link-/)
    else t.match(answer.exchangeSessionUrl, /^http:\/\/127\.0\.0\.1:\d+\/simulator\/bank\//)
  }
  t.equal(sim.count('exchangeSessions'), cases.length)
  const seen = sim.calls.filter((call) => call.route === ROUTE)
  t.equal(seen.length, cases.length)
  t.ok(seen.every((call) => call.authorized && call.idempotencyKey), 'every create is authorised and idempotent')
  t.equal(new Set(seen.map((call) => call.idempotencyKey)).size, cases.length, 'a fresh key per create')
})

t.test('over many requests Dwolla sees one token and one partner-list request', async (t) => {
  const { app, sim, customerId } = await startStack(t)
  const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => app.inject({
    method: 'POST',
    url: `/v1/customers/${customerId}/exchange-sessions`,
    ...json(i % 2 ? { partner: 'mx' } : { partner: 'plaid' })
  })))
  t.same(new Set(responses.map((response) => response.statusCode)), new Set([201]))
  t.equal(sim.calls.filter((call) => call.route === '/token').length, 1)
  t.equal(sim.calls.filter((call) => call.route === '/exchange-partners').length, 1)
})

t.test('the same Idempotency-Key creates one session and answers the same', async (t) => {
  const { app, sim, customerId } = await startStack(t)
  const key = randomUUID()
  const send = () => app.inject({
    method: 'POST',
    url: `/v1/customers/${customerId}/exchange-sessions`,
    ...json({ partner: 'visa', redirectUrl: REDIRECTS.visa }, { 'idempotency-key': key })
  })
  const first = await send()
  const second = await send()
  t.equal(first.statusCode, 201)
  t.equal(second.statusCode, 201)
  t.same(second.json(), first.json())
  t.equal(sim.count('exchangeSessions'), 1)
  const keys = sim.calls.filter((call) => call.route === ROUTE).map((call) => call.idempotencyKey)
  t.equal(keys.length, 2)
  t.equal(keys[0], keys[1], 'one Dwolla key for both')
  t.not(keys[0], key, 'derived from the caller key, not forwarded as it came')
})

t.test('an expired Dwolla token is refreshed and the call retried once, unseen by the caller', async (t) => {
  const { app, sim, customerId } = await startStack(t)
  const url = `/v1/customers/${customerId}/exchange-sessions`
  t.equal((await app.inject({ method: 'POST', url, ...json({ partner: 'mx' }) })).statusCode, 201)
  sim.expireTokens()
  const response = await app.inject({ method: 'POST', url, ...json({ partner: 'mx' }) })
  t.equal(response.statusCode, 201)
  t.equal(sim.calls.filter((call) => call.route === '/token').length, 2)
  t.equal(sim.count('exchangeSessions'), 2, 'the rejected create made nothing')
})

t.test('request problems are answered before anything reaches Dwolla', async (t) => {
  const { app, sim, customerId } = await startStack(t)
  const url = `/v1/customers/${customerId}/exchange-sessions`
  const cases: Array<{ name: string, request: InjectOptions, status: number, code: string, path?: string, message?: string, detail?: RegExp }> = [
    { name: 'unknown property', request: { method: 'POST', url, ...json({ partner: 'mx', extra: 1 }) }, status: 400, code: 'VALIDATION_ERROR', path: '/extra' },
    { name: 'missing partner', request: { method: 'POST', url, ...json({}) }, status: 400, code: 'VALIDATION_ERROR', path: '/partner' },
    { name: 'unknown partner', request: { method: 'POST', url, ...json({ partner: 'finicity' }) }, status: 400, code: 'VALIDATION_ERROR', path: '/partner', message: 'must be one of: visa, plaid, mx' },
    { name: 'unknown platform', request: { method: 'POST', url, ...json({ partner: 'mx', platform: 'tv' }) }, status: 400, code: 'VALIDATION_ERROR', path: '/platform', message: 'must be one of: web, ios, android' },
    { name: 'redirect not a string', request: { method: 'POST', url, ...json({ partner: 'visa', redirectUrl: 5 }) }, status: 400, code: 'VALIDATION_ERROR', path: '/redirectUrl' },
    { name: 'body an array', request: { method: 'POST', url, ...json([]) }, status: 400, code: 'VALIDATION_ERROR' },
    { name: 'customer id not a UUID', request: { method: 'POST', url: '/v1/customers/not-a-uuid/exchange-sessions', ...json({ partner: 'mx' }) }, status: 400, code: 'VALIDATION_ERROR', path: 'params:/customerId' },
    { name: 'idempotency key with a space', request: { method: 'POST', url, ...json({ partner: 'mx' }, { 'idempotency-key': 'a b' }) }, status: 400, code: 'VALIDATION_ERROR', path: 'headers:/idempotency-key' },
    { name: 'idempotency key too long', request: { method: 'POST', url, ...json({ partner: 'mx' }, { 'idempotency-key': 'k'.repeat(256) }) }, status: 400, code: 'VALIDATION_ERROR', path: 'headers:/idempotency-key' },
    { name: 'malformed JSON', request: { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"partner":' }, status: 400, code: 'VALIDATION_ERROR' },
    { name: 'malformed JSON says so', request: { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"partner":' }, status: 400, code: 'VALIDATION_ERROR', detail: /not valid JSON/ },
    { name: 'empty JSON body', request: { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '' }, status: 400, code: 'VALIDATION_ERROR' },
    { name: '__proto__ key', request: { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"partner":"mx","__proto__":{"x":1}}' }, status: 400, code: 'VALIDATION_ERROR' },
    { name: 'no body', request: { method: 'POST', url }, status: 400, code: 'VALIDATION_ERROR' },
    { name: 'text body', request: { method: 'POST', url, headers: { 'content-type': 'text/plain' }, payload: 'partner=mx' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'form body', request: { method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'partner=mx' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'body over 8 KiB', request: { method: 'POST', url, ...json({ partner: 'visa', redirectUrl: `https://a.example/${'x'.repeat(8200)}` }) }, status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: 'visa without redirect', request: { method: 'POST', url, ...json({ partner: 'visa' }) }, status: 400, code: 'REDIRECT_URL_REQUIRED' },
    { name: 'plaid ios without redirect', request: { method: 'POST', url, ...json({ partner: 'plaid', platform: 'ios' }) }, status: 400, code: 'REDIRECT_URL_REQUIRED' },
    { name: 'plaid web with redirect', request: { method: 'POST', url, ...json({ partner: 'plaid', redirectUrl: REDIRECTS.ios }) }, status: 400, code: 'REDIRECT_URL_NOT_ALLOWED' },
    { name: 'mx with redirect', request: { method: 'POST', url, ...json({ partner: 'mx', redirectUrl: REDIRECTS.visa }) }, status: 400, code: 'REDIRECT_URL_NOT_ALLOWED' },
    { name: 'visa with http redirect', request: { method: 'POST', url, ...json({ partner: 'visa', redirectUrl: 'http://app.example.com/iav-callback' }) }, status: 400, code: 'REDIRECT_URL_INVALID' },
    { name: 'plaid android with a URL', request: { method: 'POST', url, ...json({ partner: 'plaid', platform: 'android', redirectUrl: REDIRECTS.ios }) }, status: 400, code: 'REDIRECT_URL_INVALID' },
    { name: 'visa with an unregistered redirect', request: { method: 'POST', url, ...json({ partner: 'visa', redirectUrl: 'https://evil.example.com/cb' }) }, status: 400, code: 'REDIRECT_URL_NOT_REGISTERED' },
    { name: 'unknown route', request: { method: 'POST', url: `/v1/customers/${customerId}/sessions`, ...json({ partner: 'mx' }) }, status: 404, code: 'NOT_FOUND' },
    { name: 'wrong method', request: { method: 'GET', url }, status: 404, code: 'NOT_FOUND' }
  ]
  for (const { name, request, status, code, path, message = String, detail } of cases) {
    const response = await app.inject(request)
    t.equal(response.statusCode, status, name)
    t.match(response.headers['content-type'], /^application\/problem\+json/, name)
    const problem = response.json()
    t.match(problem, { status, code, type: `/problems/${code.toLowerCase().replaceAll('_', '-')}`, title: String, detail: String }, name)
    t.equal(problem.requestId, response.headers['x-request-id'], `${name}: the request id`)
    if (path) t.match(problem.errors, [{ path, message }], `${name}: the field`)
    if (detail) t.match(problem.detail, detail, `${name}: the detail`)
  }
  t.same(sim.calls, [], 'Dwolla saw nothing')
})

t.test("Dwolla's documented answers map to the service's problems", async (t) => {
  const { app, sim, customerId } = await startStack(t)
  const url = `/v1/customers/${customerId}/exchange-sessions`
  const validation = (message: string, path: string) => ({
    code: 'ValidationError',
    message: 'Validation error(s) present. See embedded errors list for more details.',
    _embedded: { errors: [{ code: 'Invalid', message, path, _links: {} }] }
  })
  const cases: Array<{ fault: Omit<Fault, 'method' | 'route'>, status: number, code: string, retryAfter?: string }> = [
    { fault: { status: 400, body: validation('The provided redirect URL must exactly match one of the configured URLs for the account.', '/_links/redirect-url/href') }, status: 400, code: 'REDIRECT_URL_NOT_REGISTERED' },
    { fault: { status: 400, body: { code: 'ValidationError', message: 'The provided redirect URL must exactly match one of the configured URLs for the account' } }, status: 400, code: 'REDIRECT_URL_NOT_REGISTERED' },
    { fault: { status: 400, body: validation('/_links/redirect-url/href is invalid.', '/_links/redirect-url/href') }, status: 400, code: 'REDIRECT_URL_INVALID' },
    { fault: { status: 400, body: { code: 'ValidationError', message: '/_links/redirect-url/href is invalid' } }, status: 400, code: 'REDIRECT_URL_INVALID' },
    { fault: { status: 400, body: { code: 'BadRequest', message: 'The request body contains bad syntax or is incomplete.' } }, status: 502, code: 'UPSTREAM_ERROR' },
    { fault: { status: 400, body: '<html><body>Bad Request</body></html>' }, status: 502, code: 'UPSTREAM_ERROR' },
    { fault: { status: 401, body: '<html><body>Unauthorized</body></html>' }, status: 502, code: 'UPSTREAM_ERROR' },
    { fault: { status: 401, body: { code: 'InvalidScope', message: 'Missing or invalid scopes for requested endpoint.' } }, status: 422, code: 'PARTNER_NOT_ENABLED' },
    { fault: { status: 403, body: { code: 'Forbidden', message: 'The exchange partner specified does not support this product.' } }, status: 422, code: 'PARTNER_NOT_ENABLED' },
    { fault: { status: 500, body: { code: 'ServerError', message: 'A server error occurred. Error ID: 1' }, times: 3 }, status: 502, code: 'UPSTREAM_ERROR' },
    { fault: { status: 502, body: '<html><body>Bad gateway</body></html>', times: 3 }, status: 502, code: 'UPSTREAM_ERROR' },
    { fault: { status: 201, headers: { location: 'https://elsewhere.example/exchange-sessions/1' } }, status: 502, code: 'UPSTREAM_ERROR' },
    { fault: { status: 201, headers: { location: 'http://[' } }, status: 502, code: 'UPSTREAM_ERROR' },
    { fault: { status: 201 }, status: 502, code: 'UPSTREAM_ERROR' }
  ]
  for (const { fault, status, code, retryAfter } of cases) {
    sim.fault({ method: 'POST', route: ROUTE, ...fault })
    const response = await app.inject({ method: 'POST', url, ...json({ partner: 'plaid' }) })
    const label = JSON.stringify(fault)
    t.equal(response.statusCode, status, label)
    t.match(response.json(), { code, status }, label)
    t.equal(response.headers['retry-after'], retryAfter, `${label}: Retry-After`)
    t.notMatch(response.body, /Bad gateway|ServerError|elsewhere|InvalidScope|Error ID/, `${label}: nothing of Dwolla's leaks`)
  }
  t.equal(sim.count('exchangeSessions'), 0)
  t.equal(sim.calls.filter((call) => call.route === '/exchange-sessions/:id').length, 0, 'no foreign Location was followed')
})

t.test('a Location given as a path, or with dot segments, is followed on Dwolla\'s origin as URL parsing resolves it', async (t) => {
  const { app, sim, customerId } = await startStack(t)
  const url = `/v1/customers/${customerId}/exchange-sessions`
  const created = await app.inject({ method: 'POST', url, ...json({ partner: 'mx' }) })
  t.equal(created.statusCode, 201)
  const sessionPath = sim.calls.filter((call) => call.route === '/exchange-sessions/:id').at(-1)?.url as string
  for (const location of [sessionPath, sessionPath.replace('/exchange-sessions/', '/exchange-sessions/x/../')]) {
    sim.fault({ method: 'POST', route: ROUTE, status: 201, headers: { location } })
    const response = await app.inject({ method: 'POST', url, ...json({ partner: 'mx' }) })
    t.equal(response.statusCode, 201, location)
    t.same(response.json(), created.json(), `${location}: the session it names`)
    t.equal(sim.calls.at(-1)?.url, sessionPath, `${location}: retrieved at its resolved path`)
  }
})

t.test('an unknown customer is CUSTOMER_NOT_FOUND', async (t) => {
  const { app } = await startStack(t)
  const response = await app.inject({ method: 'POST', url: `/v1/customers/${randomUUID()}/exchange-sessions`, ...json({ partner: 'mx' }) })
  t.equal(response.statusCode, 404)
  t.match(response.json(), { code: 'CUSTOMER_NOT_FOUND' })
})

t.test('a Dwolla that is too slow is UPSTREAM_TIMEOUT', async (t) => {
  const { app, sim, customerId } = await startStack(t, { env: { UPSTREAM_TIMEOUT_MS: '100' } })
  sim.fault({ method: 'POST', route: ROUTE, delayMs: 1000 })
  const response = await app.inject({ method: 'POST', url: `/v1/customers/${customerId}/exchange-sessions`, ...json({ partner: 'mx' }) })
  t.equal(response.statusCode, 504)
  t.match(response.json(), { code: 'UPSTREAM_TIMEOUT', detail: 'Dwolla did not answer in time.' })
})

t.test('an exchange session without what the partner needs is UPSTREAM_ERROR', async (t) => {
  const { app, sim, customerId } = await startStack(t)
  const url = `/v1/customers/${customerId}/exchange-sessions`
  sim.fault({ method: 'GET', route: '/exchange-sessions/:id', status: 200, body: { _links: {} } })
  const mx = await app.inject({ method: 'POST', url, ...json({ partner: 'mx' }) })
  t.match(mx.json(), { status: 502, code: 'UPSTREAM_ERROR' })
  sim.fault({ method: 'GET', route: '/exchange-sessions/:id', status: 200, body: { _links: {} } })
  const plaid = await app.inject({ method: 'POST', url, ...json({ partner: 'plaid' }) })
  t.match(plaid.json(), { status: 502, code: 'UPSTREAM_ERROR' })
  sim.fault({ method: 'GET', route: '/exchange-sessions/:id', status: 404, body: { code: 'NotFound', message: 'The requested resource was not found.' } })
  const gone = await app.inject({ method: 'POST', url, ...json({ partner: 'plaid' }) })
  t.match(gone.json(), { status: 502, code: 'UPSTREAM_ERROR' })
})

t.test('partner list problems', async (t) => {
  const { app, sim, customerId } = await startStack(t)
  const url = `/v1/customers/${customerId}/exchange-sessions`
  sim.fault({ method: 'GET', route: '/exchange-partners', status: 200, body: '<html>maintenance</html>' })
  t.match((await app.inject({ method: 'POST', url, ...json({ partner: 'mx' }) })).json(), { status: 502, code: 'UPSTREAM_ERROR' })
  sim.fault({ method: 'GET', route: '/exchange-partners', status: 200, body: { _embedded: { 'exchange-partners': [] } } })
  const missing = await app.inject({ method: 'POST', url, ...json({ partner: 'mx' }) })
  t.match(missing.json(), { status: 503, code: 'UPSTREAM_UNAVAILABLE', detail: /mx/ })
  t.equal((await app.inject({ method: 'POST', url, ...json({ partner: 'mx' }) })).statusCode, 201, 'the list is fetched afresh')
  t.equal(sim.calls.filter((call) => call.route === '/exchange-partners').length, 3)
})

t.test('Dwolla rejecting a cached partner href makes the next request fetch the list afresh', async (t) => {
  const { app, sim, customerId } = await startStack(t)
  const url = `/v1/customers/${customerId}/exchange-sessions`
  sim.fault({ method: 'POST', route: ROUTE, status: 400, body: { code: 'ValidationError', message: '/_links/exchange-partner/href is invalid' } })
  t.match((await app.inject({ method: 'POST', url, ...json({ partner: 'mx' }) })).json(), { status: 503, code: 'UPSTREAM_UNAVAILABLE', detail: /try again/ })
  t.equal((await app.inject({ method: 'POST', url, ...json({ partner: 'mx' }) })).statusCode, 201)
  t.equal(sim.calls.filter((call) => call.route === '/exchange-partners').length, 2)
})

t.test('logs: one request id per request, no secret anywhere', async (t) => {
  const { app, logs, customerId, config, sim } = await startStack(t)
  const url = `/v1/customers/${customerId}/exchange-sessions`
  await app.inject({ method: 'POST', url, ...json({ partner: 'plaid' }, { authorization: 'Bearer caller-secret-jwt', cookie: 'session=caller-cookie' }) })
  sim.fault({ method: 'POST', route: ROUTE, status: 500, body: { code: 'ServerError', message: 'boom' }, times: 3 })
  await app.inject({ method: 'POST', url, ...json({ partner: 'plaid' }) })
  const records = logs.records()
  const completed = records.filter((record) => record.msg === 'request completed')
  t.equal(completed.length, 2, 'one line per request')
  const failed = records.find((record) => record.msg === 'request failed')
  t.ok(failed, 'the 5xx is logged with its cause')
  t.equal(failed?.reqId, completed[1]?.reqId)
  const all = logs.lines.join('\n')
  for (const secret of [config.dwolla.secret, config.dwolla.key, 'caller-secret-jwt', 'caller-cookie', Buffer.from(`${config.dwolla.key}:${config.dwolla.secret}`).toString('base64')]) {
    t.notOk(all.includes(secret), 'a secret in the logs')
  }
  t.notMatch(all, /Bearer [A-Za-z0-9]/, 'no bearer token in the logs')
})
