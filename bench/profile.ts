// Where the service's CPU per request goes, component by component, beside the baseline's.
// Each row is loaded as in npm run bench (light stub upstream, production configuration), with
// V8's sampling profiler on during the measured window only (bench/profiler.ts). Every sample is
// charged to the nearest frame on its stack that belongs to a component (the project's module,
// or the package it is in): JSON.parse called by the Dwolla transport is the transport's,
// node:crypto's HMAC under fast-jwt is the JWT hook's. Shares of the samples are scaled to the
// process's measured CPU per request. The service runs --runs times, each a fresh process, so
// GC's share is seen across processes.
// Run: npm run bench:profile [-- --warmup 5 --duration 10 --runs 3 --connections 32]
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { compileBenchScripts, cpuMs, drive, freePort, HOST, SERVICE_ENV, startScriptFlags, startService, until, upstream } from './stack.js'

const { values: args } = parseArgs({
  options: {
    warmup: { type: 'string', default: '5' },
    duration: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' }
  }
})
const [warmupS, durationS, runs, connections] = [Number(args.warmup), Number(args.duration), Number(args.runs), Number(args.connections)]
const logDir = mkdtempSync(join(tmpdir(), 'bff-profile-'))
const scripts = compileBenchScripts()
const PRELOAD = ['--import', `./${scripts.profiler}`]

const children = new Set<ChildProcess>()
process.once('exit', () => { for (const child of children) child.kill('SIGKILL') })
let started = 0
function start (name: string, script: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const log = openSync(join(logDir, `${name}-${started++}.log`), 'w')
  const child = spawn(process.execPath, script, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', log, log] })
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/** Component of a frame, or undefined for frames that are no component's own (node core, V8 builtins). */
function component (url: string, functionName: string): string | undefined {
  if (functionName === '(garbage collector)') return 'GC'
  const project = /\/dist\/(.+)\.js$/.exec(url)?.[1]
  if (project !== undefined) {
    if (project === 'bench/baseline') return 'baseline handler'
    if (project === 'bench/profiler') return undefined
    if (project === 'app') return 'request ids'
    if (project === 'logger' || project === 'plugins/request-log') return 'request log + pino'
    if (project.startsWith('metrics/')) return 'prom-client'
    if (project === 'plugins/caller-guard' || project.startsWith('auth/')) return 'JWT hook'
    if (project === 'problems') return 'error path'
    if (project.startsWith('dwolla/')) return 'Dwolla transport'
    if (project.startsWith('plugins/')) return project.slice('plugins/'.length)
    return 'route handler'
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url)
  if (pkg === null) return undefined
  const [, name = '', file = ''] = pkg
  if (name === 'fastify') return /^lib\/(validation|schemas|error-serializer)/.test(file) ? 'validation + serialization' : 'Fastify itself'
  if (['find-my-way', 'avvio', 'fast-querystring', 'secure-json-parse', 'fast-content-type-parse', '@fastify/error', 'light-my-request', 'toad-cache', 'process-warning', 'abstract-logging', 'fastify-plugin', 'rfdc', 'ret', 'safe-regex2', 'fast-decode-uri-component'].includes(name)) return 'Fastify itself'
  if (['ajv', 'fast-json-stringify', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'fast-uri', 'json-schema-ref-resolver', 'fast-deep-equal'].includes(name)) return 'validation + serialization'
  if (['pino', 'pino-std-serializers', 'fast-redact', 'sonic-boom', 'thread-stream', 'quick-format-unescaped', 'on-exit-leak-free', 'atomic-sleep', 'safe-stable-stringify', '@pinojs/redact', 'slow-redact'].includes(name)) return 'request log + pino'
  if (['prom-client', 'tdigest', 'bintrees'].includes(name)) return 'prom-client'
  if (['fast-jwt', 'asn1.js', 'ecdsa-sig-formatter', 'mnemonist', 'obliterator', '@lukeed/ms', 'get-jwks'].includes(name)) return 'JWT hook'
  if (name === '@fastify/rate-limit') return 'rate-limit'
  if (['@fastify/cors', 'vary', 'mnemonist'].includes(name)) return 'cors'
  if (name === '@fastify/under-pressure') return 'load-shedding'
  if (name === 'undici') return 'Dwolla transport'
  return name
}

interface ProfileNode { id: number, callFrame: { functionName: string, url: string }, children?: number[] }
interface Profile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }

/** Sampled µs by component. */
function attribute (profile: Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const owner = new Map<number, string>()
  const ownerOf = (id: number): string => {
    const known = owner.get(id)
    if (known !== undefined) return known
    const node = byId.get(id) as ProfileNode
    const { functionName, url } = node.callFrame
    let result: string
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)') result = functionName === '(garbage collector)' ? 'GC' : functionName
    else {
      const up = parent.get(id)
      result = component(url, functionName) ?? (up === undefined ? 'node core (http, net, streams, timers)' : ownerOf(up))
      if (result === '(root)' || result === 'node core (root)') result = 'node core (http, net, streams, timers)'
    }
    owner.set(id, result)
    return result
  }
  // The root itself is no component: what only node core is on the stack of is node core's.
  const root = profile.nodes.find((node) => node.callFrame.functionName === '(root)')
  if (root) owner.set(root.id, 'node core (http, net, streams, timers)')
  const totals = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const group = ownerOf(id)
    totals.set(group, (totals.get(group) ?? 0) + (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0))
  })
  totals.delete('(idle)')
  return totals
}

/** Loads a fresh process for warm-up and the measured window; its CPU per request by component. */
async function measure (name: 'baseline' | 'service') {
  const dwolla = await upstream('stub', (script, env) => start(`${name}-stub`, script, env))
  const port = await freePort()
  const profileFile = join(logDir, `${name}-${started}.cpuprofile`)
  const base = { PORT: String(port), DWOLLA_API_URL: dwolla.url, DWOLLA_KEY: SERVICE_ENV.DWOLLA_KEY, DWOLLA_SECRET: SERVICE_ENV.DWOLLA_SECRET, PROFILE_FILE: profileFile }
  const target = name === 'service'
    ? startService((script, env) => start(name, script, env), base, PRELOAD)
    : start(name, [...startScriptFlags(), ...PRELOAD, scripts.baseline], base)
  const url = `http://${HOST}:${port}`
  await until(name === 'service' ? `${url}/health/live` : url)
  const load = (duration: number) => drive(url, dwolla.customerId, { duration, connections })
  await load(warmupS)
  target.kill('SIGWINCH')
  const cpuBefore = cpuMs(target.pid as number)
  const result = await load(durationS)
  const cpu = cpuMs(target.pid as number) - cpuBefore
  target.kill('SIGWINCH')
  while (!existsSync(profileFile)) await sleep(100)
  await sleep(500)
  target.kill('SIGTERM')
  dwolla.child.kill('SIGTERM')
  await once(target, 'exit')
  const requests = result.requests.total
  const sampled = attribute(JSON.parse(readFileSync(profileFile, 'utf8')) as Profile)
  const sampledTotal = [...sampled.values()].reduce((sum, us) => sum + us, 0)
  // Shares of the main thread's samples, scaled to the process's CPU per request.
  const cpuUs = cpu * 1000 / requests
  const perRequest = new Map([...sampled].map(([group, us]) => [group, us / sampledTotal * cpuUs]))
  return { requests, errors: result.errors + result.non2xx + result.timeouts, cpuUs, perRequest }
}

const baseline = await measure('baseline')
const services: Array<Awaited<ReturnType<typeof measure>>> = []
for (let i = 0; i < runs; i++) services.push(await measure('service'))

const out = (line: string) => process.stdout.write(`${line}\n`)
const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length
const serviceCpu = mean(services.map((run) => run.cpuUs))
out(`light stub upstream, ${connections} connections, ${warmupS} s warm-up, ${durationS} s profiled; ${runs} fresh service processes; profiles in ${logDir}`)
out(`CPU µs/request: baseline ${Math.round(baseline.cpuUs)}, service ${services.map((run) => Math.round(run.cpuUs)).join(' / ')} ` +
  `(efficiency ${(baseline.cpuUs / serviceCpu).toFixed(2)}); errors ${baseline.errors} / ${services.map((run) => run.errors).join(' / ')}`)
out(`GC µs/request per service process: ${services.map((run) => Math.round(run.perRequest.get('GC') ?? 0)).join(' / ')} (baseline ${Math.round(baseline.perRequest.get('GC') ?? 0)})`)
const groups = new Set([...baseline.perRequest.keys(), ...services.flatMap((run) => [...run.perRequest.keys()])])
const rows = [...groups].map((group) => {
  const service = mean(services.map((run) => run.perRequest.get(group) ?? 0))
  const base = baseline.perRequest.get(group) ?? 0
  return { group, service, base, extra: service - base }
}).sort((a, b) => b.extra - a.extra)
out('| component | service µs/request | baseline µs/request | extra |')
out('| --- | --- | --- | --- |')
for (const { group, service, base, extra } of rows) {
  if (Math.abs(service) < 0.5 && Math.abs(base) < 0.5) continue
  out(`| ${group} | ${service.toFixed(1)} | ${base.toFixed(1)} | ${extra >= 0 ? '+' : ''}${extra.toFixed(1)} |`)
}
out(`| total | ${serviceCpu.toFixed(1)} | ${baseline.cpuUs.toFixed(1)} | +${(serviceCpu - baseline.cpuUs).toFixed(1)} |`)
