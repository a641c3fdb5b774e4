// What the bench and the profile share: the service's production environment, the upstream
// (light stub or simulator) a row talks to, and the bench scripts compiled to dist/bench/.
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import autocannon from 'autocannon'
import { createSigner } from 'fast-jwt'
import ts from 'typescript'

export const HOST = '127.0.0.1'
const HAL = 'application/vnd.dwolla.v1.hal+json'
/** Any UUID: the stub knows every customer. */
const STUB_CUSTOMER_ID = '74a207b2-b7b7-4efa-8bf8-582148e7b980'

/**
 * The service as production runs it; DWOLLA_API_URL and PORT are added per run. The upstream on
 * loopback speaks plain http, which production refuses unless ALLOW_PLAIN_HTTP names it.
 */
export const SERVICE_ENV = {
  NODE_ENV: 'production', HOST, DWOLLA_ENV: 'sandbox', DWOLLA_KEY: 'bench-key', DWOLLA_SECRET: 'bench-secret', ALLOW_PLAIN_HTTP: 'DWOLLA_API_URL',
  AUTH_MODE: 'jwt', JWT_SECRET: 'a-benchmark-hs256-secret-of-32-bytes!', JWT_ISSUER: 'https://id.example.com/', JWT_AUDIENCE: 'bff',
  LOG_LEVEL: 'info', CORS_ORIGINS: 'https://app.example.com', RATE_LIMIT_MAX: '1000000', RATE_LIMIT_WINDOW: '1 minute'
}

export type Starter = (script: string[], env: NodeJS.ProcessEnv) => ChildProcess

/**
 * The Node flags of the start script (and the image). Every row runs with them: a runtime setting
 * that helps the service would help the baseline too, and the ratio stays honest.
 */
export function startScriptFlags (): string[] {
  const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }
  return scripts.start.split(' ').filter((word) => word.startsWith('--'))
}

/** The built service, with the Node flags its start script uses. */
export function startService (start: Starter, env: NodeJS.ProcessEnv, nodeFlags: string[] = []): ChildProcess {
  return start([...startScriptFlags(), ...nodeFlags, 'dist/server.js'], { ...SERVICE_ENV, ...env })
}

/** The bench's own scripts run compiled, as the service does, not under a TypeScript loader (memory, start-up). */
export function compileBenchScripts () {
  mkdirSync('dist/bench', { recursive: true })
  const compile = (name: string) => {
    const out = `dist/bench/${name}.js`
    writeFileSync(out, ts.transpileModule(readFileSync(`bench/${name}.ts`, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023, esModuleInterop: true }
    }).outputText)
    return out
  }
  return { baseline: compile('baseline'), peer: compile('peer'), stub: compile('dwolla-stub'), profiler: compile('profiler') }
}

export async function freePort (): Promise<number> {
  const server = createServer().listen(0, HOST)
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  return port
}

/** Waits until the URL answers at all. */
export async function until (url: string) {
  for (let i = 0; i < 200; i++) {
    if (await fetch(url).then(() => true, () => false)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${url} never answered`)
}

export interface Upstream {
  child: ChildProcess
  url: string
  customerId: string
  /** The /token and /exchange-partners calls made since it was set up. */
  calls (): Promise<{ token: number, partners: number }>
}

/** A Dwolla stand-in of its own: the light stub, or a simulator with one customer. */
export async function upstream (kind: 'stub' | 'simulator', start: Starter): Promise<Upstream> {
  const port = await freePort()
  const url = `http://${HOST}:${port}`
  const credentials = { DWOLLA_KEY: SERVICE_ENV.DWOLLA_KEY, DWOLLA_SECRET: SERVICE_ENV.DWOLLA_SECRET }
  if (kind === 'stub') {
    const child = start(['dist/bench/dwolla-stub.js'], { PORT: String(port) })
    await until(`${url}/__calls`)
    return {
      child, url, customerId: STUB_CUSTOMER_ID,
      calls: async () => await (await fetch(`${url}/__calls`)).json() as { token: number, partners: number }
    }
  }
  const child = start(['dist/simulator/server.js'], { ...credentials, PORT: String(port), HOST, LOG_LEVEL: 'warn' })
  await until(`${url}/__simulator/calls`)
  const token = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa(`${credentials.DWOLLA_KEY}:${credentials.DWOLLA_SECRET}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  }).then(async (response) => (await response.json() as { access_token: string }).access_token)
  const created = await fetch(`${url}/customers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, accept: HAL, 'content-type': HAL },
    body: JSON.stringify({ firstName: 'Bench', lastName: 'Customer', email: 'bench@example.com' })
  })
  const customerId = String(created.headers.get('location')).split('/').pop() ?? ''
  const count = async () => await (await fetch(`${url}/__simulator/calls`)).json() as Array<{ url: string }>
  const setUp = (await count()).length
  return {
    child, url, customerId,
    async calls () {
      const since = (await count()).slice(setUp)
      return { token: since.filter((call) => call.url === '/token').length, partners: since.filter((call) => call.url === '/exchange-partners').length }
    }
  }
}

/** User and system CPU time of a process in ms (/proc/<pid>/stat counts in 1/100 s). */
export function cpuMs (pid: number) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10
}

export interface Load {
  duration: number
  connections: number
  /** Called with each response's latency in ms. */
  onLatency?: (ms: number) => void
}

/**
 * Drives POST /v1/customers/{id}/exchange-sessions (MX) at a server as a browser app would: a
 * caller token for the customer and an allowed Origin on every request.
 */
export function drive (url: string, customerId: string, { duration, connections, onLatency }: Load): Promise<autocannon.Result> {
  const sign = createSigner({ key: SERVICE_ENV.JWT_SECRET, algorithm: 'HS256', iss: SERVICE_ENV.JWT_ISSUER, aud: SERVICE_ENV.JWT_AUDIENCE, expiresIn: 3_600_000 })
  const token = sign({ sub: 'bench-user', dwolla_customer_id: customerId })
  return new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon({
      url: `${url}/v1/customers/${customerId}/exchange-sessions`,
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: SERVICE_ENV.CORS_ORIGINS },
      body: JSON.stringify({ partner: 'mx' }),
      connections,
      duration
    }, (error, result) => error ? reject(error) : resolve(result))
    if (onLatency) run.on('response', (_client, _status, _bytes, ms) => onLatency(ms))
  })
}
