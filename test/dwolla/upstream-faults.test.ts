import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { startStack } from '../support/stack.js'

const CREATE = '/customers/:id/exchange-sessions'
const RETRIEVE = '/exchange-sessions/:id'

async function stack (t: Test, env: NodeJS.ProcessEnv = {}) {
  const started = await startStack(t, { env })
  const { app, sim, customerId } = started
  const create = (headers: Record<string, string> = {}) => app.inject({
    method: 'POST',
    url: `/v1/customers/${customerId}/exchange-sessions`,
    headers: { 'content-type': 'application/json', ...headers },
    payload: '{"partner":"mx"}'
  })
  const attempts = (route: string) => sim.calls.filter((call) => call.route === route)
  return { ...started, create, attempts }
}

t.test('a transient 5xx on create is retried with the same Idempotency-Key: one session', async (t) => {
  const { create, attempts, sim } = await stack(t)
  sim.fault({ method: 'POST', route: CREATE, status: 503, body: { code: 'ServerError', message: 'busy' } })
  const response = await create()
  t.equal(response.statusCode, 201)
  const seen = attempts(CREATE)
  t.equal(seen.length, 2, 'Dwolla saw two attempts')
  t.equal(new Set(seen.map((call) => call.idempotencyKey)).size, 1, 'carrying one Idempotency-Key')
  t.equal(sim.count('exchangeSessions'), 1, 'exactly one session exists')
})

t.test("every attempt carries the one Dwolla key derived from the caller's Idempotency-Key", async (t) => {
  const { create, attempts, sim } = await stack(t)
  const key = randomUUID()
  sim.fault({ method: 'POST', route: CREATE, reset: true })
  t.equal((await create({ 'idempotency-key': key })).statusCode, 201)
  const [first, second] = attempts(CREATE).map((call) => call.idempotencyKey)
  t.equal(second, first)
  t.not(first, key)
  t.equal(sim.count('exchangeSessions'), 1)
})

t.test('a persistent 5xx gives up after three attempts: 502, nothing created', async (t) => {
  const { create, attempts, sim } = await stack(t)
  sim.fault({ method: 'POST', route: CREATE, status: 500, body: { code: 'ServerError', message: 'down' }, times: 5 })
  const response = await create()
  t.equal(response.statusCode, 502)
  t.match(response.json(), { code: 'UPSTREAM_ERROR' })
  t.equal(attempts(CREATE).length, 3)
  t.equal(new Set(attempts(CREATE).map((call) => call.idempotencyKey)).size, 1)
  t.equal(sim.count('exchangeSessions'), 0)
})

t.test('connection resets are retried; persistent resets are a 502', async (t) => {
  const { create, attempts, sim } = await stack(t)
  sim.fault({ method: 'POST', route: CREATE, reset: true, times: 2 })
  t.equal((await create()).statusCode, 201)
  t.equal(attempts(CREATE).length, 3)
  t.equal(sim.count('exchangeSessions'), 1)
  sim.fault({ method: 'POST', route: CREATE, reset: true, times: 3 })
  const failed = await create()
  t.equal(failed.statusCode, 502)
  t.match(failed.json(), { code: 'UPSTREAM_ERROR', detail: 'The connection to Dwolla failed.' })
  t.equal(sim.count('exchangeSessions'), 1)
})

t.test("Dwolla's 409 (the original still in progress) is retried", async (t) => {
  const { create, attempts, sim } = await stack(t)
  sim.fault({ method: 'POST', route: CREATE, status: 409, body: { code: 'Conflict', message: 'in progress' } })
  t.equal((await create()).statusCode, 201)
  t.equal(attempts(CREATE).length, 2)
  t.equal(sim.count('exchangeSessions'), 1)
})

t.test('retrieves retry the same way', async (t) => {
  const { create, attempts, sim } = await stack(t)
  sim.fault({ method: 'GET', route: RETRIEVE, status: 502, body: '<html>bad gateway</html>' })
  t.equal((await create()).statusCode, 201)
  t.equal(attempts(RETRIEVE).length, 2)
})

t.test('a 4xx is never retried', async (t) => {
  const { create, attempts, sim } = await stack(t)
  sim.fault({ method: 'POST', route: CREATE, status: 403, body: { code: 'Forbidden', message: 'The exchange partner specified does not support this product.' } })
  t.equal((await create()).statusCode, 422)
  t.equal(attempts(CREATE).length, 1)
})

t.test('a Dwolla that does not answer in time is a 504 within the budget, not retried', async (t) => {
  const { create, attempts, sim } = await stack(t, { UPSTREAM_TIMEOUT_MS: '300' })
  await create()
  sim.fault({ method: 'POST', route: CREATE, delayMs: 2000 })
  const started = performance.now()
  const response = await create()
  const elapsed = performance.now() - started
  t.equal(response.statusCode, 504)
  t.match(response.json(), { code: 'UPSTREAM_TIMEOUT' })
  t.ok(elapsed < 1500, `answered after ${Math.round(elapsed)} ms, before Dwolla would have`)
  t.equal(attempts(CREATE).length, 2, 'one attempt for the timed-out request')
})

t.test("Dwolla's 429: 503 with Retry-After, and Dwolla is left alone until then", async (t) => {
  const { create, attempts, sim } = await stack(t)
  sim.fault({ method: 'POST', route: CREATE, status: 429, body: { code: 'TooManyRequests', message: 'slow down' }, headers: { 'retry-after': '1' } })
  const limited = await create()
  t.equal(limited.statusCode, 503)
  t.equal(limited.headers['retry-after'], '1')
  t.match(limited.json(), { code: 'UPSTREAM_UNAVAILABLE' })
  const callsWhenLimited = sim.calls.length
  const meanwhile = await create()
  t.equal(meanwhile.statusCode, 503, 'fails fast while the circuit is open')
  t.equal(meanwhile.headers['retry-after'], '1')
  t.equal(sim.calls.length, callsWhenLimited, 'without calling Dwolla')
  await sleep(1100)
  t.equal((await create()).statusCode, 201, 'and calls again once the pause is over')
  t.equal(attempts(CREATE).length, 2)
})

t.test('a 429 without Retry-After pauses for a minute', async (t) => {
  const { create, sim } = await stack(t)
  sim.fault({ method: 'POST', route: CREATE, status: 429, body: { code: 'TooManyRequests', message: 'slow down' } })
  const limited = await create()
  t.equal(limited.statusCode, 503)
  t.equal(limited.headers['retry-after'], '60')
})

t.test('100 concurrent requests after the token expired cause one token request', async (t) => {
  const { create, attempts, sim } = await stack(t, { RATE_LIMIT_MAX: '1000' })
  t.equal((await create()).statusCode, 201)
  sim.expireTokens()
  const responses = await Promise.all(Array.from({ length: 100 }, () => create()))
  t.same(new Set(responses.map((response) => response.statusCode)), new Set([201]))
  t.equal(attempts('/token').length, 2, 'the first token, then exactly one refresh')
  t.equal(sim.count('exchangeSessions'), 101)
})

t.test('when no token can be had, requests fail fast and readiness says so', async (t) => {
  const { app, create, attempts, sim } = await stack(t)
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200)
  sim.expireTokens()
  sim.fault({ method: 'POST', route: '/token', status: 401, body: { error: 'invalid_client' }, times: 10 })
  const first = await create()
  t.equal(first.statusCode, 502)
  t.match(first.json(), { code: 'UPSTREAM_ERROR' })
  const tokenCalls = attempts('/token').length
  const fast = await create()
  t.equal(fast.statusCode, 502, 'the next request fails at once')
  t.equal(attempts('/token').length, tokenCalls, 'without asking Dwolla again')
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { code: 'NOT_READY' })
})

t.test('metrics count Dwolla calls by operation and status, retries and token refreshes', async (t) => {
  const { app, create, sim } = await stack(t)
  sim.fault({ method: 'POST', route: CREATE, status: 500, body: { code: 'ServerError', message: 'x' } })
  await create()
  sim.fault({ method: 'GET', route: RETRIEVE, reset: true })
  await create()
  const response = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^text\/plain/)
  const text = response.body
  t.match(text, /dwolla_calls_total\{operation="createExchangeSession",status="500"\} 1/)
  t.match(text, /dwolla_calls_total\{operation="createExchangeSession",status="201"\} 2/)
  t.match(text, /dwolla_calls_total\{operation="retrieveExchangeSession",status="error"\} 1/, 'no answer counts as error')
  t.match(text, /dwolla_calls_total\{operation="token",status="200"\} 1/)
  t.match(text, /dwolla_retries_total\{operation="createExchangeSession"\} 1/)
  t.match(text, /dwolla_retries_total\{operation="retrieveExchangeSession"\} 1/)
  t.match(text, /dwolla_token_refreshes_total 1/)
  t.match(text, /dwolla_call_duration_seconds_bucket\{le="[^"]+",operation="retrieveExchangeSession",status="200"\}/)
  t.match(text, /http_request_duration_seconds_count\{method="POST",route="\/v1\/customers\/:customerId\/exchange-sessions",status_code="201"\} 2/)
  await app.inject({ method: 'GET', url: '/no/such/path' })
  const after = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.match(after, /route="unmatched",status_code="404"/, 'unknown paths share one series')
  t.match(after, /process_cpu_user_seconds_total/, 'default process metrics too')
})
