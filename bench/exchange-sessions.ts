// POST /v1/customers/{id}/exchange-sessions (MX) under load: the service as production runs it
// (dist/, NODE_ENV=production, JWT auth, info logs to a file, rate limit, CORS, security headers,
// load shedding) against the baseline (bench/baseline.ts: node:http and one undici Pool) and the
// way Dwolla's guides build it (bench/peer.ts: Express 5 and dwolla-v2). Each row talks to an
// upstream of its own: by default the light Dwolla stand-in (bench/dwolla-stub.ts), so the
// upstream takes as little of the shared CPU as the baseline's server does; --upstream simulator
// uses the embedded simulator instead (heavier: it pulls every ratio toward 1).
// Run: npm run bench [-- --warmup 10 --duration 30 --turn 5 --connections 32 --upstream stub|simulator]
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, openSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { compileBenchScripts, cpuMs, drive, freePort, HOST, SERVICE_ENV, startScriptFlags, startService, until, upstream } from './stack.js'

const { values: args } = parseArgs({
  options: {
    warmup: { type: 'string', default: '10' },
    duration: { type: 'string', default: '30' },
    turn: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    upstream: { type: 'string', default: 'stub' }
  }
})
const [warmupS, durationS, turnS, connections] = [Number(args.warmup), Number(args.duration), Number(args.turn), Number(args.connections)]
const upstreamKind = args.upstream === 'simulator' ? 'simulator' : 'stub'
const logDir = mkdtempSync(join(tmpdir(), 'bff-bench-'))
const scripts = compileBenchScripts()

const children = new Set<ChildProcess>()
// However the bench ends, it leaves nothing running.
process.once('exit', () => { for (const child of children) child.kill('SIGKILL') })

/** A node process with its output in a log file; stopped with the bench, or after a bounded time. */
function start (name: string, script: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const log = openSync(join(logDir, `${name}.log`), 'w')
  const child = spawn(process.execPath, script, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', log, log] })
  const limit = setTimeout(() => child.kill('SIGKILL'), (3 * (warmupS + durationS) + 120) * 1000).unref()
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

const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])

type RowName = 'baseline' | 'service' | 'peer'

/** One row's server, started against an upstream of its own. */
async function stack (name: RowName) {
  const dwolla = await upstream(upstreamKind, (script, env) => start(`${name}-${upstreamKind}`, script, env))
  const port = await freePort()
  const base = { PORT: String(port), DWOLLA_API_URL: dwolla.url, DWOLLA_KEY: SERVICE_ENV.DWOLLA_KEY, DWOLLA_SECRET: SERVICE_ENV.DWOLLA_SECRET }
  const target = name === 'service'
    ? startService((script, env) => start(name, script, env), { ...base })
    : start(name, [...startScriptFlags(), name === 'baseline' ? scripts.baseline : scripts.peer], base)
  const url = `http://${HOST}:${port}`
  await until(name === 'service' ? `${url}/health/live` : url)
  const row = { name, requests: 0, seconds: 0, errors: 0, cpuMs: 0, latencies: [] as number[], rssAfterWarmup: 0, rssAtEnd: 0 }
  return {
    row,
    dwolla,
    rss: () => rssKiB(target.pid as number),
    /** Drives the route for a while; what it measures adds to the row. */
    async load (duration: number, measured: boolean) {
      const cpuBefore = cpuMs(target.pid as number)
      const result = await drive(url, dwolla.customerId, {
        duration, connections, ...measured && { onLatency: (ms: number) => row.latencies.push(ms) }
      })
      if (!measured) return
      row.requests += result.requests.total
      row.seconds += result.duration
      row.errors += result.errors + result.timeouts + result.non2xx
      row.cpuMs += cpuMs(target.pid as number) - cpuBefore
    },
    async stop () {
      await stop(target)
      await stop(dwolla.child)
    }
  }
}

// All rows run side by side, idle but for the one under load; the measured time alternates
// between them in turns, so a busy moment of the machine falls on every row alike.
const rows = [await stack('baseline'), await stack('service'), await stack('peer')]
for (const target of rows) await target.load(warmupS, false)
for (const target of rows) target.row.rssAfterWarmup = target.rss()
for (let left = durationS; left > 0; left -= turnS) {
  for (const target of rows) await target.load(Math.min(turnS, left), true)
}
for (const target of rows) target.row.rssAtEnd = target.rss()
const [baseline, service, peer] = rows as [typeof rows[0], typeof rows[0], typeof rows[0]]
const calls = await service.dwolla.calls()
for (const target of rows) await target.stop()

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
const summary = ({ row }: typeof baseline) => {
  const sorted = row.latencies.sort((a, b) => a - b)
  return { ...row, perS: row.requests / row.seconds, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), cpuUs: row.cpuMs * 1000 / row.requests }
}
const [b, s, p] = [summary(baseline), summary(service), summary(peer)]
const signed = (value: number, digits: number) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`
const out = (line: string) => process.stdout.write(`${line}\n`)
out(`upstream: ${upstreamKind === 'stub' ? 'light stub (bench/dwolla-stub.ts)' : 'SIMULATOR (heavier: ratios pulled toward 1)'}; ` +
  `${connections} connections, ${warmupS} s warm-up, ${durationS} s measured per row in ${turnS} s turns; logs in ${logDir}`)
out('| | req/s | p50 ms | p99 ms | errors | server CPU µs/request | RSS MiB (growth) |')
out('| --- | --- | --- | --- | --- | --- | --- |')
for (const row of [b, s, p]) {
  const growth = (row.rssAtEnd / row.rssAfterWarmup - 1) * 100
  out(`| ${row.name} | ${Math.round(row.perS)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.errors} | ${Math.round(row.cpuUs)} | ` +
    `${Math.round(row.rssAtEnd / 1024)} (${signed(growth, 1)} %) |`)
}
out(`efficiency (baseline ÷ service CPU per request): ${(b.cpuUs / s.cpuUs).toFixed(2)}; ` +
  `service ÷ baseline req/s: ${(s.perS / b.perS).toFixed(2)}; p99 ${signed(s.p99 - b.p99, 1)} ms`)
out(`× peer: ${(s.perS / p.perS).toFixed(2)} × its req/s, ${(p.cpuUs / s.cpuUs).toFixed(2)} × less CPU per request`)
out(`Dwolla calls of the service: ${calls.token} /token, ${calls.partners} /exchange-partners`)
