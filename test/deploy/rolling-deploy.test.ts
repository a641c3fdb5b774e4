import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { Agent, request } from 'undici'
import { startRedis } from '../support/redis.js'
import { eventually } from '../support/eventually.js'
import { openStream } from '../support/event-stream.js'
import { startNginx } from '../support/nginx.js'
import { listeningUrl, startLogging, tsEntry } from '../support/processes.js'

const CREDENTIALS = { DWOLLA_KEY: 'rolling-key', DWOLLA_SECRET: 'rolling-secret' }
const DRAIN_MS = 1000

interface Outcome { status: number | string, ms: number, duringRoll: boolean }

/** A replica as the Deployment runs one: against the shared simulator and Redis, on a port of its own. */
async function startReplica (t: Test, env: NodeJS.ProcessEnv) {
  const { child, readyRecord } = await startLogging(t, {
    command: tsEntry('src/server.ts'),
    env: {
      ...process.env,
      ...CREDENTIALS,
      ...env,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      DWOLLA_ENV: 'sandbox',
      AUTH_MODE: 'none',
      SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
      EVENTS_HEARTBEAT_SECONDS: '1',
      // The load is the test's own, from one address: neither the per-caller limit nor the
      // shedding of a busy machine's event loop is what this test is about.
      RATE_LIMIT_MAX: '1000000',
      MAX_EVENT_LOOP_DELAY_MS: '0'
    },
    ready: (record) => listeningUrl(record) !== undefined
  })
  const url = listeningUrl(readyRecord)!
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  await eventually(async () => (await fetch(`${url}/health/ready`).catch(() => undefined))?.status === 200)
  return { url, address: new URL(url).host, stop: () => { child.kill('SIGTERM'); return exited } }
}

type Replica = Awaited<ReturnType<typeof startReplica>>

t.setTimeout(180_000)

t.test('a rolling deploy behind nginx with keep-alive upstreams fails no request, every replica exits 0, the stream reconnects', async (t) => {
  const redis = await startRedis(t)
  const simulator = await startLogging(t, {
    command: tsEntry('src/simulator/server.ts'),
    env: { ...process.env, ...CREDENTIALS, PORT: '0' },
    ready: (record) => record.msg.startsWith('Dwolla API simulator')
  })
  const simulatorUrl = String(simulator.readyRecord.address)
  const customerId = String(simulator.readyRecord.demoCustomerId)
  const env = { DWOLLA_API_URL: simulatorUrl, SIMULATOR_PUBLIC_URL: simulatorUrl, REDIS_URL: redis.url }

  let replicas: Replica[] = await Promise.all([startReplica(t, env), startReplica(t, env)])
  const nginx = await startNginx(t, replicas.map((replica) => replica.address))

  // Steady load: creates and reads from a few clients, each request on a connection of its own to
  // the proxy. nginx's reload (the stand-in for an endpoint update, which ingress-nginx applies
  // without one) closes its idle client keep-alive connections, and a request sent on one at that
  // moment is lost ("other side closed", nothing in nginx's error log): the proxy's race, whatever
  // the replicas do. Proxy-to-replica connections stay keep-alive, as the upstream block says.
  let rolling = false
  let loading = true
  const outcomes: Outcome[] = []
  const client = async (index: number) => {
    const agent = new Agent({ connections: 1 })
    for (let n = 0; loading; n++) {
      const create = (n + index) % 2 === 0
      const duringRoll = rolling
      const started = performance.now()
      const status = await request(`${nginx.url}/v1/customers/${customerId}/${create ? 'exchange-sessions' : 'bank-links'}`, create
        ? { method: 'POST', dispatcher: agent, reset: true, headers: { 'content-type': 'application/json' }, body: '{"partner":"mx"}' }
        : { dispatcher: agent, reset: true })
        .then(async (response) => {
          await response.body.dump()
          return response.statusCode === (create ? 201 : 200) ? 'ok' : response.statusCode
        }, (error: Error) => error.message)
      outcomes.push({ status, ms: performance.now() - started, duringRoll: duringRoll || rolling })
      await sleep(5)
    }
    await agent.close()
  }
  const clients = [0, 1, 2, 3].map(client)

  // A live-event stream, reopened whenever it ends, as EventSource does.
  const streams: number[] = []
  const streaming = (async () => {
    while (loading) {
      const stream = await openStream(`${nginx.url}/v1/customers/${customerId}/events`)
      streams.push(stream.response.status)
      while (loading && !stream.ended()) await sleep(20)
      stream.close()
      await stream.reading
    }
  })()

  await sleep(2000)
  const exits: Array<number | null> = []
  for (const old of [...replicas]) {
    rolling = true
    const next = await startReplica(t, env)
    replicas = [...replicas, next]
    await nginx.setUpstreams(replicas.map((replica) => replica.address))
    // Out of the proxy at the moment it is signalled, as an endpoint removal and SIGTERM are concurrent.
    replicas = replicas.filter((replica) => replica !== old)
    await nginx.setUpstreams(replicas.map((replica) => replica.address))
    exits.push(await old.stop())
    rolling = false
    await sleep(1000)
  }
  loading = false
  await Promise.all(clients)
  await streaming

  const failed = outcomes.filter((outcome) => outcome.status !== 'ok')
  const longest = Math.round(Math.max(...outcomes.filter((outcome) => outcome.duringRoll).map((outcome) => outcome.ms)))
  t.comment(`requests: ${outcomes.length} sent, ${failed.length} failed, longest answer during a roll ${longest} ms; streams opened: ${streams.length}`)
  t.same(failed, [], 'every request answered its success status')
  t.ok(outcomes.filter((outcome) => outcome.duringRoll).length > 100, 'under load while rolling')
  t.same(exits, [0, 0], 'every replica exits 0')
  t.ok(streams.length >= 2, `the stream reconnected (${streams.length} opened)`)
  t.ok(streams.every((status) => status === 200), 'each time to a replica that served it')
  t.notMatch(await nginx.errorLog(), /\[error\]/, 'nginx reached an upstream every time')
})
