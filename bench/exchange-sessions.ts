// POST /v1/customers/{id}/exchange-sessions (MX) under load: the service as production runs it
// (dist/, NODE_ENV=production, JWT auth, info logs to a file, rate limit, CORS, security headers)
// against the baseline (bench/baseline.ts), each talking to a fresh simulator process of its own,
// so neither row pays for the sessions the other left in the simulator's memory.
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
  const limit = setTimeout(() => child.kill('SIGKILL'), (warmupS + durationS + 120) * 1000).unref()
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

async function measure (name: 'baseline' | 'service') {
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
  const load = (duration: number) => autocannon({
    url: `${url}/v1/customers/${sim.customerId}/exchange-sessions`,
    method: 'POST',
    headers: { authorization: `Bearer ${sign({ sub: 'bench-user', dwolla_customer_id: sim.customerId })}`, 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify({ partner: 'mx' }),
    connections,
    duration
  })
  await load(warmupS)
  const rssAfterWarmup = rssKiB(target.pid as number)
  const result = await load(durationS)
  const rssAtEnd = rssKiB(target.pid as number)
  const calls = await sim.callsSince(sim.setUpCalls)
  await stop(target)
  await stop(sim.child)
  return {
    name,
    requestsPerS: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    rssAfterWarmup,
    rssAtEnd,
    calls
  }
}

const rows = []
for (const name of ['baseline', 'service'] as const) rows.push(await measure(name))
const [baseline, service] = rows as [Awaited<ReturnType<typeof measure>>, Awaited<ReturnType<typeof measure>>]
const out = (line: string) => process.stdout.write(`${line}\n`)
out(`${connections} connections, ${warmupS} s warm-up, ${durationS} s measured; logs in ${logDir}`)
out('| | req/s | p50 ms | p99 ms | errors | RSS after warm-up → end | Dwolla /token, /exchange-partners |')
out('| --- | --- | --- | --- | --- | --- | --- |')
for (const row of rows) {
  const growth = (row.rssAtEnd / row.rssAfterWarmup - 1) * 100
  out(`| ${row.name} | ${Math.round(row.requestsPerS)} | ${row.p50} | ${row.p99} | ${row.errors} | ` +
    `${Math.round(row.rssAfterWarmup / 1024)} → ${Math.round(row.rssAtEnd / 1024)} MiB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %) | ` +
    `${row.calls.token}, ${row.calls.partners} |`)
}
out(`service / baseline: ${(service.requestsPerS / baseline.requestsPerS).toFixed(2)} × req/s, p99 ${service.p99 - baseline.p99 >= 0 ? '+' : ''}${service.p99 - baseline.p99} ms`)
