import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { Agent, request } from 'undici'
import { shutDown } from '../src/shutdown.js'
import { startStack } from './support/stack.js'

/** The stack listening on a loopback port, a keep-alive client of one connection at a time, and how many the server accepted. */
async function listening (t: Test) {
  const stack = await startStack(t)
  const url = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 1 })
  t.teardown(() => agent.close())
  let connections = 0
  stack.app.server.on('connection', () => { connections++ })
  return { ...stack, url, agent, connections: () => connections }
}

t.test('from the drain on, readiness is 503 NOT_READY while everything else still answers, each answer closing its connection', async (t) => {
  const { app, url, agent, connections } = await listening(t)
  const get = async (path: string) => {
    const response = await request(`${url}${path}`, { dispatcher: agent })
    return { status: response.statusCode, connection: response.headers.connection, body: await response.body.json() as Record<string, unknown> }
  }
  t.match(await get('/health/ready'), { status: 200, connection: 'keep-alive' })
  t.match(await get('/health/live'), { status: 200, connection: 'keep-alive' })
  t.equal(connections(), 1, 'one keep-alive connection so far')

  app.drain.begin()
  t.match(await get('/health/ready'), { status: 503, connection: 'close', body: { code: 'NOT_READY', detail: 'This replica is shutting down.' } })
  t.match(await get('/health/live'), { status: 200, connection: 'close' }, 'alive: the orchestrator must not kill it early')
  t.match(await get('/v1/customers/nobody/bank-links'), { connection: 'close' }, 'the API still answers')
  t.equal(connections(), 3, 'each answer closed its connection: the first went on the open one, the next two each on a new one')
})

t.test('shutDown answers through the drain, then stops listening and lets the request in flight finish', async (t) => {
  const { app, url, agent, sim, customerId } = await listening(t)
  sim.fault({ method: 'POST', route: '/customers/:id/exchange-sessions', delayMs: 1000 })
  // Started before the drain, on a keep-alive connection: it goes idle only after closing began.
  const inFlight = request(`${url}/v1/customers/${customerId}/exchange-sessions`, {
    method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: '{"partner":"mx"}'
  })
  await sleep(100)
  const started = performance.now()
  const closed = shutDown(app, 500).then(() => performance.now() - started)

  await sleep(250)
  const during = await fetch(`${url}/health/ready`)
  t.equal(during.status, 503, 'a new connection during the drain is accepted and answered')
  t.equal(during.headers.get('connection'), 'close')

  const response = await inFlight
  t.equal(response.statusCode, 201, 'the request in flight finished')
  t.match(await response.body.json(), { partner: 'mx' })
  const took = await closed
  t.ok(took >= 500, `listened through the drain (${Math.round(took)} ms)`)
  t.ok(took < 5000, `closed once the request finished, not at the keep-alive timeout (${Math.round(took)} ms)`)
  await t.rejects(fetch(`${url}/health/live`), 'no longer listening')
})
