// POST /v1/customers/{id}/exchange-sessions (MX) under load: the service as production runs it
// (dist/, NODE_ENV=production, JWT auth, info logs to a file, rate limit, CORS, security headers)
// against the baseline (bench/baseline.ts), each talking to a simulator process of its own, so
// neither row pays for the sessions the other left in the simulator's memory.
// Run: npm run bench [-- --warmup 10 --duration 20 --connections 32 --cpu-prof]
// (--cpu-prof: the service writes a V8 CPU profile into the log directory when it stops.)
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { createSigner } from 'fast-jwt'
import ts from 'typescript'

const { values: args } = parseArgs({
  options: {
    warmup: { type: 'string', default: '10' },
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '32' },
    'cpu-prof': { type: 'boolean', default: false }
  }
})
const [warmupS, durationS, connections] = [Number(args.warmup), Number(args.duration), Number(args.connections)]
const HOST = '127.0.0.1'
const HAL = 'application/vnd.dwolla.v1.hal+json'
const DWOLLA = { DWOLLA_KEY: 'bench-key', DWOLLA_SECRET: 'bench-secret' }
const JWT = { JWT_SECRET: 'a-benchmark-hs256-secret-of-32-bytes!', JWT_ISSUER: 'https://id.example.com/', JWT_AUDIENCE: 'bff' }
const ORIGIN = 'https://app.example.com'
const logDir = mkdtempSync(join(tmpdir(), 'bff-bench-'))

// The baseline runs compiled, as the service does, not under a TypeScript loader (its memory and start-up).
const BASELINE_JS = 'dist/bench/baseline.js'
mkdirSync('dist/bench', { recursive: true })
writeFileSync(BASELINE_JS, ts.transpileModule(readFileSync('bench/baseline.ts', 'utf8'), {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023 }
}).outputText)

async function freePort (): Promise<number> {
  const server = createServer().listen(0, HOST)
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  return port
}

const children = new Set<ChildProcess>()
// However the bench ends, it leaves nothing running.
process.once('exit', () => { for (const child of children) child.kill('SIGKILL') })

/** A node process with its output in a log file; stopped with the bench, or after a bounded time. */
function start (name: string, script: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const log = openSync(join(logDir, `${name}.log`), 'w')
  const child = spawn(process.execPath, script, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', log, log] })
  const limit = setTimeout(() => child.kill('SIGKILL'), (2 * (warmupS + durationS) + 120) * 1000).unref()
  children.add(child)
  child.once('exit', () => {
    clearTimeout(limit)
    children.delete(child)
  })
  return child
}

async function stop (child: ChildProcess) {
  if (child.exitCode !== null) return
  child.kill('SIGTERM')
  await once(child, 'exit')
}

/** Waits until the URL answers at all. */
async function until (url: string) {
  for (let i = 0; i < 200; i++) {
    if (await fetch(url).then(() => true, () => false)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${url} never answered`)
}

const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
/** User and system CPU time of a process in ms (/proc/<pid>/stat counts in 1/100 s). */
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** A simulator of its own with one customer; answers its URL and the customer id. */
async function simulator (name: string) {
  const port = await freePort()
  const child = start(`${name}-simulator`, ['dist/simulator/server.js'], { ...DWOLLA, PORT: String(port), HOST, LOG_LEVEL: 'warn' })
  const url = `http://${HOST}:${port}`
  await until(`${url}/__simulator/calls`)
  const token = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa(`${DWOLLA.DWOLLA_KEY}:${DWOLLA.DWOLLA_SECRET}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  }).then(async (response) => (await response.json() as { access_token: string }).access_token)
  const created = await fetch(`${url}/customers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, accept: HAL, 'content-type': HAL },
    body: JSON.stringify({ firstName: 'Bench', lastName: 'Customer', email: 'bench@example.com' })
  })
  const customerId = String(created.headers.get('location')).split('/').pop() ?? ''
  /** The Dwolla calls made since the simulator was set up, by path. */
  const callsSince = async (first: number) => {
    const calls = await (await fetch(`${url}/__simulator/calls`)).json() as Array<{ url: string }>
    const count = (path: string) => calls.slice(first).filter((call) => call.url === path).length
    return { token: count('/token'), partners: count('/exchange-partners'), total: calls.length }
  }
  return { child, url, customerId, setUpCalls: (await callsSince(0)).total, callsSince }
}

/** The baseline or the service, started against a simulator of its own. */
async function stack (name: 'baseline' | 'service') {
  const sim = await simulator(name)
  const port = await freePort()
  const base = { PORT: String(port), DWOLLA_API_URL: sim.url, ...DWOLLA }
  const target = name === 'baseline'
    ? start(name, [BASELINE_JS], base)
    : start(name, [...args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${logDir}`] : [], 'dist/server.js'], {
      ...base, ...JWT, HOST, NODE_ENV: 'production', DWOLLA_ENV: 'sandbox', AUTH_MODE: 'jwt', LOG_LEVEL: 'info',
      CORS_ORIGINS: ORIGIN, RATE_LIMIT_MAX: '1000000', RATE_LIMIT_WINDOW: '1 minute'
    })
  const url = `http://${HOST}:${port}`
  await until(name === 'baseline' ? url : `${url}/health/live`)
  const sign = createSigner({ key: JWT.JWT_SECRET, algorithm: 'HS256', iss: JWT.JWT_ISSUER, aud: JWT.JWT_AUDIENCE, expiresIn: 3_600_000 })
  const token = sign({ sub: 'bench-user', dwolla_customer_id: sim.customerId })
  const row = { name, requests: 0, seconds: 0, errors: 0, cpuMs: 0, latencies: [] as number[] }
  return {
    row,
    sim,
    rss: () => rssKiB(target.pid as number),
    /** Drives the route for a while; what it measures adds to the row. */
    async load (duration: number, measured: boolean) {
      const cpuBefore = cpuMs(target.pid as number)
      const result = await new Promise<autocannon.Result>((resolve, reject) => {
        const run = autocannon({
          url: `${url}/v1/customers/${sim.customerId}/exchange-sessions`,
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: ORIGIN },
          body: JSON.stringify({ partner: 'mx' }),
          connections,
          duration
        }, (error, result) => error ? reject(error) : resolve(result))
        if (measured) run.on('response', (_client, _status, _bytes, ms) => row.latencies.push(ms))
      })
      if (!measured) return
      row.requests += result.requests.total
      row.seconds += result.duration
      row.errors += result.errors + result.timeouts + result.non2xx
      row.cpuMs += cpuMs(target.pid as number) - cpuBefore
    },
    async stop () {
      await stop(target)
      await stop(sim.child)
    }
  }
}

// Both stacks run side by side, idle but for the one under load; the measured time alternates
// between them in slices, so a busy moment of the machine falls on both rows alike.
const SLICE_S = 5
const baseline = await stack('baseline')
const service = await stack('service')
await baseline.load(warmupS, false)
await service.load(warmupS, false)
const rssAfterWarmup = service.rss()
for (let left = durationS; left > 0; left -= SLICE_S) {
  for (const target of [baseline, service]) await target.load(Math.min(SLICE_S, left), true)
}
const rssAtEnd = service.rss()
const calls = await service.sim.callsSince(service.sim.setUpCalls)
await baseline.stop()
await service.stop()

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
const summary = ({ row }: typeof baseline) => {
  const sorted = row.latencies.sort((a, b) => a - b)
  return { ...row, perS: row.requests / row.seconds, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) }
}
const [b, s] = [summary(baseline), summary(service)]
const growth = (rssAtEnd / rssAfterWarmup - 1) * 100
const out = (line: string) => process.stdout.write(`${line}\n`)
out(`${connections} connections, ${warmupS} s warm-up each, ${durationS} s measured each in ${SLICE_S} s turns; logs in ${logDir}`)
out('| | req/s | p50 ms | p99 ms | errors | CPU µs/request |')
out('| --- | --- | --- | --- | --- | --- |')
for (const row of [b, s]) {
  out(`| ${row.name} | ${Math.round(row.perS)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.errors} | ${Math.round(row.cpuMs * 1000 / row.requests)} |`)
}
out(`service / baseline: ${(s.perS / b.perS).toFixed(2)} × req/s, p99 ${s.p99 >= b.p99 ? '+' : ''}${(s.p99 - b.p99).toFixed(1)} ms`)
out(`service RSS: ${Math.round(rssAfterWarmup / 1024)} MiB after warm-up, ${Math.round(rssAtEnd / 1024)} MiB at the end (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %)`)
out(`Dwolla calls of the service: ${calls.token} /token, ${calls.partners} /exchange-partners`)
