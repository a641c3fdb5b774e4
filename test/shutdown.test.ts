import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { Agent, request } from 'undici'
import { listeningUrl, startLogging, tsEntry } from './processes.js'

/** Starts the service as `npm start` does, and reads its start-up lines. */
async function startService (t: Test, env: NodeJS.ProcessEnv = {}) {
  const { child, records, readyRecord } = await startLogging(t, tsEntry('../src/server.ts'), {
    env: { ...process.env, PORT: '0', SIMULATOR_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }
  }, (record) => listeningUrl(record) !== undefined)
  const simulator = records.find((record) => record.dwollaApiUrl)!
  return {
    child,
    url: listeningUrl(readyRecord)!,
    lines: records,
    simulatorUrl: String(simulator.dwollaApiUrl),
    customerId: String(simulator.demoCustomerId)
  }
}

t.test('SIGTERM lets the in-flight request finish, closes idle keep-alive connections, exits 0', async (t) => {
  const { child, url, simulatorUrl, customerId, lines } = await startService(t)
  const agent = new Agent({ keepAliveTimeout: 60_000 })
  t.teardown(() => agent.close())

  // An idle keep-alive connection must not hold the process open.
  const live = await request(`${url}/health/live`, { dispatcher: agent })
  t.equal(live.statusCode, 200)
  await live.body.dump()

  await fetch(`${simulatorUrl}/__simulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'POST', route: '/customers/:id/exchange-sessions', delayMs: 800 })
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
  const response = await inFlight
  t.equal(response.statusCode, 201, 'the in-flight request completed')
  t.match(await response.body.json(), { partner: 'mx' })
  const [code] = await once(child, 'exit')
  const exitedAfter = performance.now() - signalled
  t.equal(code, 0)
  t.ok(exitedAfter < 3000, `exited ${Math.round(exitedAfter)} ms after SIGTERM`)
  t.ok(lines.some((line) => line.msg === 'shutting down'))
})

t.test('past the grace period the process exits anyway', async (t) => {
  const { child, url, simulatorUrl, customerId } = await startService(t, { SHUTDOWN_GRACE_MS: '300', UPSTREAM_TIMEOUT_MS: '10000' })
  await fetch(`${simulatorUrl}/__simulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'POST', route: '/customers/:id/exchange-sessions', delayMs: 5000 })
  })
  const stuck = fetch(`${url}/v1/customers/${customerId}/exchange-sessions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"partner":"mx"}'
  }).catch((error: unknown) => error)
  await sleep(200)
  const signalled = performance.now()
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  const exitedAfter = performance.now() - signalled
  t.equal(code, 1, 'a forced exit says so')
  t.ok(exitedAfter < 2000, `exited ${Math.round(exitedAfter)} ms after SIGTERM`)
  await stuck
})

t.test('a bad configuration stops the start naming the variable', async (t) => {
  const child = spawn(process.execPath, tsEntry('../src/server.ts').slice(1), {
    env: { ...process.env, PORT: 'eighty' },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += String(chunk) })
  const [code] = await once(child, 'exit')
  t.equal(code, 1)
  t.match(stderr, /^Invalid configuration: PORT: /)
})
