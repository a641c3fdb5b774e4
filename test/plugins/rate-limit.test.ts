import t from 'tap'
import { startStack } from '../support/stack.js'
import { startRedis } from '../support/redis.js'
import { hsEnv, token } from '../support/tokens.js'

const create = (customerId: string, headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url: `/v1/customers/${customerId}/exchange-sessions`,
  headers: { 'content-type': 'application/json', ...headers },
  payload: JSON.stringify({ partner: 'mx' })
})
const WARNING = 'rate-limit Redis unavailable: requests are not limited until it recovers'
const RECOVERED = 'rate-limit Redis recovered: requests are limited again'
const as = (customerId: string, sub: string) => ({ authorization: `Bearer ${token(customerId, { sub })}` })

t.test('each caller has its own limit; over it: 429 RATE_LIMITED with Retry-After, and Dwolla sees nothing', async (t) => {
  const { app, sim, customerId } = await startStack(t, { env: { ...hsEnv, RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW: '1 minute' } })
  const statuses = []
  for (let i = 0; i < 3; i++) statuses.push((await app.inject(create(customerId, as(customerId, 'alice')))).statusCode)
  t.same(statuses, [201, 201, 429])
  const limited = await app.inject(create(customerId, as(customerId, 'alice')))
  t.equal(limited.statusCode, 429)
  t.match(limited.headers['content-type'], /^application\/problem\+json/)
  t.match(limited.json(), { code: 'RATE_LIMITED', status: 429, type: '/problems/rate-limited', detail: /2 requests in 1 minute/ })
  t.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60, 'Retry-After in seconds')
  t.equal(sim.count('exchangeSessions'), 2)
  t.equal((await app.inject(create(customerId, as(customerId, 'bob')))).statusCode, 201, 'another subject has its own count')
})

t.test('unauthenticated callers are counted by client IP, through a trusted proxy only', async (t) => {
  const { app, customerId } = await startStack(t, { env: { ...hsEnv, RATE_LIMIT_MAX: '2', TRUST_PROXY: '127.0.0.1' } })
  const from = (ip: string) => app.inject(create(customerId, { 'x-forwarded-for': ip }))
  t.same([(await from('203.0.113.1')).statusCode, (await from('203.0.113.1')).statusCode, (await from('203.0.113.1')).statusCode], [401, 401, 429])
  t.equal((await from('203.0.113.2')).statusCode, 401, 'another client behind the proxy')

  const direct = await startStack(t, { env: { ...hsEnv, RATE_LIMIT_MAX: '2' } })
  const spoofed = (ip: string) => direct.app.inject(create(direct.customerId, { 'x-forwarded-for': ip }))
  t.same([(await spoofed('198.51.100.1')).statusCode, (await spoofed('198.51.100.2')).statusCode, (await spoofed('198.51.100.3')).statusCode],
    [401, 401, 429], 'without TRUST_PROXY, X-Forwarded-For is ignored')
})

t.test('without auth, the limit still holds per client IP', async (t) => {
  const { app, customerId, logs } = await startStack(t, { env: { RATE_LIMIT_MAX: '1' } })
  t.ok(logs.records().some((record) => record.level === 40 && String(record.msg).startsWith('AUTH IS OFF: AUTH_MODE is none')), 'running open is loud')
  t.equal((await app.inject(create(customerId))).statusCode, 201)
  t.equal((await app.inject(create(customerId))).statusCode, 429)
  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200, 'only /v1 routes are limited')
})

t.test('with REDIS_URL, replicas share one count per caller', async (t) => {
  const redis = await startRedis(t)
  const env = { ...hsEnv, RATE_LIMIT_MAX: '3', REDIS_URL: redis.url }
  const one = await startStack(t, { env })
  const two = await startStack(t, { env })
  const statuses = []
  for (const stack of [one, two, one, two]) {
    statuses.push((await stack.app.inject(create(stack.customerId, as(stack.customerId, 'carol')))).statusCode)
  }
  t.same(statuses, [201, 201, 201, 429], 'the fourth request, on either replica, is over the limit')
  const limited = await two.app.inject(create(two.customerId, as(two.customerId, 'carol')))
  t.match(limited.json(), { code: 'RATE_LIMITED' })
  t.ok(Number(limited.headers['retry-after']) > 0)
  t.equal((await one.app.inject(create(one.customerId, as(one.customerId, 'dave')))).statusCode, 201, 'another caller')

  // Redis gone: the service keeps serving and says why it no longer limits.
  await redis.stop()
  t.equal((await one.app.inject(create(one.customerId, as(one.customerId, 'carol')))).statusCode, 201)
  const warned = () => one.logs.records().some((record) => record.level === 40 && record.msg === WARNING)
  for (let wait = 0; !warned() && wait < 100; wait++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.ok(warned(), 'a warning names the cause')
})

t.test('a stalled or lost Redis holds no request: served within a second, one warning per outage, one line on recovery', async (t) => {
  const redis = await startRedis(t)
  const { app, customerId, logs } = await startStack(t, { env: { ...hsEnv, RATE_LIMIT_MAX: '3', REDIS_URL: redis.url } })
  const url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/v1/customers/${customerId}/exchange-sessions`
  const post = async (sub: string) => {
    const started = performance.now()
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...as(customerId, sub) }, body: '{"partner":"mx"}' })
    return { status: response.status, ms: performance.now() - started }
  }
  const lines = (msg: string) => logs.records().filter((record) => record.msg === msg).length
  const until = async (done: () => boolean) => {
    for (let wait = 0; !done() && wait < 200; wait++) await new Promise((resolve) => setTimeout(resolve, 50))
  }

  // Paused: the connection is open, nothing answers. Fail-open: served, unlimited, each within the command timeout.
  redis.pause()
  const stalled = [...await Promise.all([post('erin'), post('erin'), post('erin')]), await post('erin'), await post('erin')]
  t.same(stalled.map(({ status }) => status), [201, 201, 201, 201, 201], 'served unlimited (5 > RATE_LIMIT_MAX) while Redis stalls')
  t.ok(stalled.every(({ ms }) => ms < 1500), `each answered within 1.5 s (slowest ${Math.round(Math.max(...stalled.map(({ ms }) => ms)))} ms)`)
  t.equal(lines(WARNING), 1, 'one warning for the outage')
  redis.resume()
  await until(() => lines(RECOVERED) === 1)
  t.equal((await post('frank')).status, 201)
  t.equal(lines(RECOVERED), 1, 'one line when it recovers')

  // Killed, then back on the same port: still one warning and one recovery line for this outage.
  await redis.stop()
  const lost = [await post('gina'), await post('gina'), await post('gina'), await post('gina')]
  t.same(lost.map(({ status }) => status), [201, 201, 201, 201])
  t.ok(lost.every(({ ms }) => ms < 1500), 'answered at once while Redis is down')
  await new Promise((resolve) => setTimeout(resolve, 3000))
  t.equal(lines(WARNING), 2, 'reconnection attempts add no warning')
  await redis.restart()
  await until(() => lines(RECOVERED) === 2)
  t.equal(lines(RECOVERED), 2)
  t.equal(lines(WARNING), 2)
  const limited = [await post('hana'), await post('hana'), await post('hana'), await post('hana')]
  t.same(limited.map(({ status }) => status), [201, 201, 201, 429], 'the limit holds again')
})
