import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { Agent, request } from 'undici'
import { eventually } from '../support/eventually.js'
import { startService, tsEntry } from '../support/processes.js'

t.test('SIGTERM: not ready but answering for the drain, then the in-flight request finishes, idle keep-alive connections close, exit 0', async (t) => {
  const { child, url, simulatorUrl, customerId, records: lines } = await startService(t, { env: { SHUTDOWN_DRAIN_MS: '1000' } })
  const agent = new Agent({ keepAliveTimeout: 60_000 })
  t.teardown(() => agent.close())

  // An idle keep-alive connection must not hold the process open.
  const live = await request(`${url}/health/live`, { dispatcher: agent })
  t.equal(live.statusCode, 200)
  await live.body.dump()

  await fetch(`${simulatorUrl}/__simulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'POST', route: '/customers/:id/exchange-sessions', delayMs: 1500 })
  })
  const inFlight = request(`${url}/v1/customers/${customerId}/exchange-sessions`, {
    method: 'POST',
    dispatcher: new Agent(),
    headers: { 'content-type': 'application/json' },
    body: '{"partner":"mx"}'
  })
  await sleep(200)
  const signalled = performance.now()
  child.kill('SIGTERM')
  await sleep(300)
  const draining = await request(`${url}/health/ready`, { dispatcher: new Agent() })
  t.equal(draining.statusCode, 503, 'not ready during the drain, yet answering')
  t.equal(draining.headers.connection, 'close')
  await draining.body.dump()
  const response = await inFlight
  t.equal(response.statusCode, 201, 'the in-flight request completed')
  t.match(await response.body.json(), { partner: 'mx' })
  const [code] = await once(child, 'exit')
  const exitedAfter = performance.now() - signalled
  t.equal(code, 0)
  t.ok(exitedAfter >= 1000 && exitedAfter < 4000, `exited ${Math.round(exitedAfter)} ms after SIGTERM`)
  t.ok(lines.some((line) => line.msg === 'shutting down' && line.drainMs === 1000))
})

t.test('SIGINT (Ctrl-C in a terminal) skips the drain: the service closes at once and exits 0', async (t) => {
  const { child, url, records: lines } = await startService(t, { env: { SHUTDOWN_DRAIN_MS: '60000' } })
  t.equal((await fetch(`${url}/health/ready`)).status, 200)
  child.kill('SIGINT')
  // With the drain it would answer for a minute; without it the process is gone well before.
  const [code] = await Promise.race([once(child, 'exit'), sleep(30_000).then(() => ['still running'])])
  t.equal(code, 0)
  t.ok(lines.some((line) => line.msg === 'shutting down' && line.signal === 'SIGINT' && line.drainMs === 0))
})

t.test('past drain plus grace the process exits anyway', async (t) => {
  const { child, url, simulatorUrl, customerId } = await startService(t, { env: { SHUTDOWN_DRAIN_MS: '200', SHUTDOWN_GRACE_MS: '300', UPSTREAM_TIMEOUT_MS: '10000' } })
  await fetch(`${simulatorUrl}/__simulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'POST', route: '/customers/:id/exchange-sessions', delayMs: 5000 })
  })
  const stuck = fetch(`${url}/v1/customers/${customerId}/exchange-sessions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"partner":"mx"}'
  }).catch((error: unknown) => error)
  // Signalled once the request is in flight, waiting on Dwolla, whatever the machine's load.
  await eventually(async () => {
    const calls = await (await fetch(`${simulatorUrl}/__simulator/calls`)).json() as Array<{ method: string, route: string }>
    return calls.some((call) => call.method === 'POST' && call.route === '/customers/:id/exchange-sessions')
  })
  const signalled = performance.now()
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  const exitedAfter = performance.now() - signalled
  t.equal(code, 1, 'a forced exit says so')
  t.ok(exitedAfter >= 500 && exitedAfter < 2500, `exited ${Math.round(exitedAfter)} ms after SIGTERM`)
  await stuck
})

t.test('a bad configuration stops the start naming the variable', async (t) => {
  const child = spawn(process.execPath, tsEntry('src/server.ts').slice(1), {
    env: { ...process.env, PORT: 'eighty' },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += String(chunk) })
  const [code] = await once(child, 'exit')
  t.equal(code, 1)
  t.match(stderr, /^Invalid configuration: PORT: /)
})
