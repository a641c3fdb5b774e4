import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { eventually } from '../support/eventually.js'
import { startStack } from '../support/stack.js'
import { sign } from '../support/webhook-events.js'

/** Keeps the event loop lagging: a 150 ms busy spin every 160 ms. */
function lagEventLoop () {
  const timer = setInterval(() => {
    const until = performance.now() + 150
    while (performance.now() < until);
  }, 160)
  return () => clearInterval(timer)
}

t.test('while the event loop lags, API requests are shed with 503 OVERLOADED; probes still answer', async (t) => {
  const { app, sim, customerId } = await startStack(t, { env: { MAX_EVENT_LOOP_DELAY_MS: '20' } })
  const create = (payload = '{"partner":"mx"}') => app.inject({
    method: 'POST',
    url: `/v1/customers/${customerId}/exchange-sessions`,
    headers: { 'content-type': 'application/json' },
    payload
  })
  t.equal((await create()).statusCode, 201)
  const stop = lagEventLoop()
  t.teardown(stop)
  // The delay is sampled once a second, so the first lagging sample may come late on a busy machine:
  // an invalid body (400 when served, never sent upstream) tells when shedding has begun.
  await eventually(async () => (await create('{}')).statusCode === 503)
  const shed = await create()
  const live = await app.inject({ method: 'GET', url: '/health/live' })
  stop()
  t.equal(shed.statusCode, 503)
  t.equal(shed.headers['retry-after'], '2')
  t.match(shed.json(), { code: 'OVERLOADED' })
  t.equal(live.statusCode, 200, 'liveness is not shed')
  t.equal(sim.count('exchangeSessions'), 1, 'the shed request reached nothing')
  await eventually(async () => (await create()).statusCode !== 503)
  t.equal(sim.count('exchangeSessions'), 2, 'served again once the loop recovers')
})

t.test('MAX_EVENT_LOOP_DELAY_MS=0 turns shedding off: a lagging loop still serves', async (t) => {
  const { app, customerId } = await startStack(t, { env: { MAX_EVENT_LOOP_DELAY_MS: '0' } })
  const stop = lagEventLoop()
  t.teardown(stop)
  await sleep(1500)
  const response = await app.inject({
    method: 'POST',
    url: `/v1/customers/${customerId}/exchange-sessions`,
    headers: { 'content-type': 'application/json' },
    payload: '{"partner":"mx"}'
  })
  t.equal(response.statusCode, 201)
})

t.test("Dwolla's webhooks are shed like the API while the loop lags: 503 OVERLOADED, and Dwolla retries", async (t) => {
  const { app, config } = await startStack(t, { env: { MAX_EVENT_LOOP_DELAY_MS: '20' } })
  const webhook = () => {
    const body = '{}'
    return app.inject({
      method: 'POST',
      url: '/webhooks/dwolla',
      headers: { 'content-type': 'application/json', 'x-request-signature-sha-256': sign(config.webhookSecret as string, body) },
      payload: body
    })
  }
  t.equal((await webhook()).statusCode, 400, 'served: a signed body that is no event')
  const stop = lagEventLoop()
  t.teardown(stop)
  await eventually(async () => (await webhook()).statusCode === 503)
  const shed = await webhook()
  stop()
  t.equal(shed.statusCode, 503)
  t.match(shed.json(), { code: 'OVERLOADED' })
})
