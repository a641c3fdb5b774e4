// POST /v1/customers/{id}/exchange-sessions (MX) under load: the service as production runs it
// (dist/, NODE_ENV=production, JWT auth, info logs to a file, rate limit, CORS, security headers,
// load shedding) against the baseline (bench/baseline.ts: node:http and one undici Pool) and the
// way Dwolla's guides build it (bench/peer.ts: Express 5 and dwolla-v2). Each row talks to an
// upstream of its own: by default the light Dwolla stand-in (bench/dwolla-stub.ts), so the
// upstream takes as little of the shared CPU as the baseline's server does; --upstream simulator
// uses the embedded simulator instead (heavier: it pulls every ratio toward 1). Each row is
// --processes fresh processes taking the row's turns in rotation: one process's CPU per request
// differs from the next one's by up to a third on this machine, for the baseline as for the service.
// Run: npm run bench [-- --warmup 5 --duration 30 --turn 5 --processes 3 --connections 32 --upstream stub|simulator]
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, openSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { compileBenchScripts, cpuMs, drive, freePort, HOST, SERVICE_ENV, startScriptFlags, startService, until, upstream } from './stack.js'

const { values: args } = parseArgs({
  options: {
    warmup: { type: 'string', default: '5' },
    duration: { type: 'string', default: '30' },
    turn: { type: 'string', default: '5' },
    processes: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    upstream: { type: 'string', default: 'stub' }
  }
})
const [warmupS, durationS, turnS, processes, connections] = [Number(args.warmup), Number(args.duration), Number(args.turn), Number(args.processes), Number(args.connections)]
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
  const limit = setTimeout(() => child.kill('SIGKILL'), (3 * (processes * warmupS + durationS) + 120) * 1000).unref()
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

/** One process of a row, started against an upstream of its own. */
async function instance (name: RowName, index: number) {
  const label = `${name}-${index}`
  const dwolla = await upstream(upstreamKind, (script, env) => start(`${label}-${upstreamKind}`, script, env))
  const port = await freePort()
  const base = { PORT: String(port), DWOLLA_API_URL: dwolla.url, DWOLLA_KEY: SERVICE_ENV.DWOLLA_KEY, DWOLLA_SECRET: SERVICE_ENV.DWOLLA_SECRET }
  const target = name === 'service'
    ? startService((script, env) => start(label, script, env), { ...base })
    : start(label, [...startScriptFlags(), name === 'baseline' ? scripts.baseline : scripts.peer], base)
  const url = `http://${HOST}:${port}`
  await until(name === 'service' ? `${url}/health/live` : url)
  const measured = { requests: 0, cpuMs: 0, rssAfterWarmup: 0, rssAtEnd: 0 }
  return {
    dwolla,
    measured,
    rss: () => rssKiB(target.pid as number),
    /** Drives the route for a while; what it measures adds to the process's figures and the row's latencies, time and errors. */
    async load (row: Row, duration: number, counted: boolean) {
      const cpuBefore = cpuMs(target.pid as number)
      const result = await drive(url, dwolla.customerId, {
        duration, connections, ...counted && { onLatency: (ms: number) => row.latencies.push(ms) }
      })
      if (!counted) return
      const turnCpuMs = cpuMs(target.pid as number) - cpuBefore
      row.seconds += result.duration
      row.errors += result.errors + result.timeouts + result.non2xx
      row.turnCpuUs.push(turnCpuMs * 1000 / result.requests.total)
      measured.requests += result.requests.total
      measured.cpuMs += turnCpuMs
    },
    async stop () {
      await stop(target)
      await stop(dwolla.child)
    }
  }
}

interface Row { name: RowName, seconds: number, errors: number, latencies: number[], turnCpuUs: number[] }

/** A row: its processes, and the latencies, time and errors of its measured turns. */
async function stack (name: RowName) {
  const instances = []
  for (let i = 0; i < processes; i++) instances.push(await instance(name, i))
  return { row: { name, seconds: 0, errors: 0, latencies: [], turnCpuUs: [] } as Row, instances }
}

// All rows run side by side, idle but for the one under load; the measured time alternates
// between the rows in turns, so a busy moment of the machine falls on every row alike, and each
// row's turns rotate through its processes.
const rows = [await stack('baseline'), await stack('service'), await stack('peer')]
for (const { row, instances } of rows) {
  for (const target of instances) {
    await target.load(row, warmupS, false)
    target.measured.rssAfterWarmup = target.rss()
  }
}
for (let turn = 0, left = durationS; left > 0; turn++, left -= turnS) {
  for (const { row, instances } of rows) await (instances[turn % processes] as typeof instances[0]).load(row, Math.min(turnS, left), true)
}
for (const { instances } of rows) for (const target of instances) target.measured.rssAtEnd = target.rss()
const [baseline, service, peer] = rows as [typeof rows[0], typeof rows[0], typeof rows[0]]
const calls = await Promise.all(service.instances.map(async ({ dwolla }) => await dwolla.calls()))
for (const { instances } of rows) for (const target of instances) await target.stop()

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length
const summary = ({ row, instances }: typeof baseline) => {
  const sorted = row.latencies.sort((a, b) => a - b)
  const total = (figure: 'requests' | 'cpuMs') => instances.reduce((sum, { measured }) => sum + measured[figure], 0)
  return {
    ...row,
    perS: total('requests') / row.seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    cpuUs: total('cpuMs') * 1000 / total('requests'),
    perProcessCpuUs: instances.map(({ measured }) => Math.round(measured.cpuMs * 1000 / measured.requests)),
    rssMiB: mean(instances.map(({ measured }) => measured.rssAtEnd)) / 1024,
    rssGrowth: mean(instances.map(({ measured }) => measured.rssAtEnd / measured.rssAfterWarmup - 1)) * 100
  }
}
const [b, s, p] = [summary(baseline), summary(service), summary(peer)]
const signed = (value: number, digits: number) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`
const out = (line: string) => process.stdout.write(`${line}\n`)
out(`upstream: ${upstreamKind === 'stub' ? 'light stub (bench/dwolla-stub.ts)' : 'SIMULATOR (heavier: ratios pulled toward 1)'}; ` +
  `${connections} connections, ${processes} processes per row, ${warmupS} s warm-up each, ${durationS} s measured per row in ${turnS} s turns; logs in ${logDir}`)
out('| | req/s | p50 ms | p99 ms | errors | server CPU µs/request | RSS MiB (growth) |')
out('| --- | --- | --- | --- | --- | --- | --- |')
for (const row of [b, s, p]) {
  out(`| ${row.name} | ${Math.round(row.perS)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.errors} | ${Math.round(row.cpuUs)} | ` +
    `${Math.round(row.rssMiB)} (${signed(row.rssGrowth, 1)} %) |`)
}
out(`server CPU µs/request by process: ${[b, s, p].map((row) => `${row.name} ${row.perProcessCpuUs.join(' / ')}`).join('; ')}`)
out(`efficiency (baseline ÷ service CPU per request): ${(b.cpuUs / s.cpuUs).toFixed(2)}; ` +
  `service ÷ baseline req/s: ${(s.perS / b.perS).toFixed(2)}; p99 ${signed(s.p99 - b.p99, 1)} ms`)
// A baseline turn and the service's next one share a moment of the machine: their ratios show how far it moves the figure.
const turnEfficiency = b.turnCpuUs.map((cpuUs, turn) => cpuUs / (s.turnCpuUs[turn] as number))
out(`efficiency turn by turn: ${turnEfficiency.map((ratio) => ratio.toFixed(2)).join(' ')} ` +
  `(median ${percentile(turnEfficiency.toSorted((x, y) => x - y), 0.5).toFixed(2)})`)
out(`× peer: ${(s.perS / p.perS).toFixed(2)} × its req/s, ${(p.cpuUs / s.cpuUs).toFixed(2)} × less CPU per request`)
out(`Dwolla calls of each service process: ${calls.map(({ token, partners }) => `${token} /token, ${partners} /exchange-partners`).join('; ')}`)
