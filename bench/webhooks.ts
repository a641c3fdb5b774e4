// Dwolla's webhooks under load: two replicas of the built service sharing a real redis-server (the
// durable inbox and the live-event history), signed events POSTed to the two in turn, as a load
// balancer would, by --senders concurrent senders (Dwolla sends up to 10 at once), while an app holds
// the customer's event stream open on one replica. Reports events accepted per second, the time to
// the 2xx, the time from the 2xx to the stream, and each replica's CPU per event.
// Run: npm run bench:webhooks [-- --duration 15 --senders 10]
import { spawn, type ChildProcess } from 'node:child_process'
import { createHmac, randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, openSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createSigner } from 'fast-jwt'
import { Pool } from 'undici'
import { compileBenchScripts, cpuMs, freePort, HOST, SERVICE_ENV, startService, until, upstream } from './stack.js'

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    senders: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' }
  }
})
const [durationS, senders, warmupS] = [Number(args.duration), Number(args.senders), Number(args.warmup)]
const WEBHOOK_SECRET = 'a-bench-webhook-secret-0123456789'
const logDir = mkdtempSync(join(tmpdir(), 'bff-bench-webhooks-'))
compileBenchScripts()

const children = new Set<ChildProcess>()
process.once('exit', () => { for (const child of children) child.kill('SIGKILL') })

function start (name: string, command: string, script: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const log = openSync(join(logDir, `${name}.log`), 'w')
  const child = spawn(command, script, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', log, log] })
  const limit = setTimeout(() => child.kill('SIGKILL'), (warmupS + durationS + 120) * 1000).unref()
  children.add(child)
  child.once('exit', () => {
    clearTimeout(limit)
    children.delete(child)
  })
  return child
}
const startNode = (name: string) => (script: string[], env: NodeJS.ProcessEnv) => start(name, process.execPath, script, env)

const redisPort = await freePort()
start('redis', 'redis-server', ['--port', String(redisPort), '--bind', HOST, '--save', '', '--appendonly', 'no'], {})
const redisUrl = `redis://${HOST}:${redisPort}`
const dwolla = await upstream('stub', startNode('dwolla-stub'))

const replicas = await Promise.all(['a', 'b'].map(async (name) => {
  const port = await freePort()
  const child = startService(startNode(`service-${name}`), {
    PORT: String(port), DWOLLA_API_URL: dwolla.url, REDIS_URL: redisUrl, DWOLLA_WEBHOOK_SECRET: WEBHOOK_SECRET,
    WEBHOOK_CATCH_UP_SECONDS: '0', WEBHOOK_RATE_LIMIT_MAX: '1000000'
  })
  const url = `http://${HOST}:${port}`
  await until(`${url}/health/live`)
  return { child, url, pool: new Pool(url, { connections: senders }) }
}))
const [replicaA, replicaB] = replicas as [typeof replicas[0], typeof replicas[0]]

// The app: the customer's stream on replica b, each event's arrival time by its id.
const customerId = dwolla.customerId
const sign = createSigner({ key: SERVICE_ENV.JWT_SECRET, algorithm: 'HS256', iss: SERVICE_ENV.JWT_ISSUER, aud: SERVICE_ENV.JWT_AUDIENCE, expiresIn: 3_600_000 })
const token = sign({ sub: 'bench-app', dwolla_customer_id: customerId })
const streamed = new Map<string, number>()
const stream = new AbortController()
const response = await fetch(`${replicaB.url}/v1/customers/${customerId}/events`, {
  headers: { authorization: `Bearer ${token}`, origin: SERVICE_ENV.CORS_ORIGINS }, signal: stream.signal
})
const events = response.body
if (!response.ok || events === null) throw new Error(`the event stream answered ${response.status}`)
void (async () => {
  const decoder = new TextDecoder()
  let buffered = ''
  try {
    for await (const chunk of events) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true })
      let end
      while ((end = buffered.indexOf('\n\n')) !== -1) {
        const id = /^id: (.+)$/m.exec(buffered.slice(0, end))?.[1]
        if (id !== undefined) streamed.set(id, performance.now())
        buffered = buffered.slice(end + 2)
      }
    }
  } catch {
    // Aborted at the end.
  }
})()

/** One signed event as Dwolla sends it. */
function delivery () {
  const id = randomUUID()
  const created = new Date().toISOString()
  const base = 'https://api-sandbox.dwolla.com'
  const body = JSON.stringify({
    _links: {
      self: { href: `${base}/events/${id}` },
      resource: { href: `${base}/funding-sources/${randomUUID()}` },
      customer: { href: `${base}/customers/${customerId}` }
    },
    id, resourceId: randomUUID(), topic: 'customer_funding_source_verified', timestamp: created, created
  })
  return { id, body, signature: createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex') }
}

interface Sent { id: string, sentAt: number, answeredAt: number, status: number }

/** --senders loops, each POSTing one event at a time to the replicas in turn until the deadline. */
async function send (seconds: number): Promise<Sent[]> {
  const sent: Sent[] = []
  const deadline = performance.now() + seconds * 1000
  let turn = 0
  await Promise.all(Array.from({ length: senders }, async () => {
    while (performance.now() < deadline) {
      const { id, body, signature } = delivery()
      const replica = turn++ % 2 === 0 ? replicaA : replicaB
      const sentAt = performance.now()
      const { statusCode, body: answer } = await replica.pool.request({
        path: '/webhooks/dwolla', method: 'POST', body,
        headers: { 'content-type': 'application/json', 'x-request-signature-sha-256': signature, 'x-dwolla-topic': 'customer_funding_source_verified' }
      })
      await answer.dump()
      sent.push({ id, sentAt, answeredAt: performance.now(), status: statusCode })
    }
  }))
  return sent
}

const print = (line: string) => process.stdout.write(`${line}\n`)
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
}

await send(warmupS)
const cpuBefore = replicas.map(({ child }) => cpuMs(child.pid as number))
const sent = await send(durationS)
const cpuAfter = replicas.map(({ child }) => cpuMs(child.pid as number))
const accepted = sent.filter(({ status }) => status === 200)
// Every accepted event reaches the stream, or the bench says how many did not within 10 s.
const waitUntil = performance.now() + 10_000
while (accepted.some(({ id }) => !streamed.has(id)) && performance.now() < waitUntil) await new Promise((resolve) => setTimeout(resolve, 50))
const toAnswer = accepted.map(({ sentAt, answeredAt }) => answeredAt - sentAt)
const toStream = accepted.filter(({ id }) => streamed.has(id)).map(({ id, answeredAt }) => (streamed.get(id) as number) - answeredAt)
const cpuUsPerEvent = (cpuAfter.reduce((a, b) => a + b, 0) - cpuBefore.reduce((a, b) => a + b, 0)) * 1000 / accepted.length

print(`node ${process.version}, ${senders} senders, ${durationS} s, two replicas sharing redis-server`)
print(`events accepted: ${accepted.length} (${(accepted.length / durationS).toFixed(0)}/s); other answers: ${sent.length - accepted.length}`)
print(`to the 2xx: p50 ${percentile(toAnswer, 50).toFixed(1)} ms, p99 ${percentile(toAnswer, 99).toFixed(1)} ms`)
print(`2xx to the app's stream: p50 ${percentile(toStream, 50).toFixed(1)} ms, p99 ${percentile(toStream, 99).toFixed(1)} ms; not streamed within 10 s: ${accepted.length - toStream.length}`)
print(`service CPU per event (both replicas): ${cpuUsPerEvent.toFixed(0)} µs`)

stream.abort()
for (const { pool } of replicas) await pool.close()
await Promise.all([...children].map(async (child) => {
  child.kill('SIGTERM')
  await once(child, 'exit')
}))
