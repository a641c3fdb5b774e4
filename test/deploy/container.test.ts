import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { parse } from 'yaml'
import { EnvSchema } from '../../src/config/env.js'
import { loadConfig } from '../../src/config/load.js'
import { SimulatorEnvSchema } from '../../src/simulator/config.js'
import { listeningUrl, startLogging } from '../support/processes.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const dockerfile = await readFile(join(root, 'Dockerfile'), 'utf8')
/** Each stage's text, from its FROM line on; the last is the default target. */
const stages = dockerfile.split(/^(?=FROM )/m).slice(1)
const defaultStage = stages.at(-1) ?? ''
const serviceStage = stages.find((stage) => /^FROM \S+ AS service$/m.test(stage)) ?? ''

interface ComposeService {
  build?: string | { context: string, target?: string }
  image?: string
  command?: string[]
  environment?: Record<string, string>
  deploy?: { replicas?: number }
  ports?: string[]
  stop_grace_period?: string
  depends_on?: Record<string, unknown> | string[]
  networks?: { default?: { ipv4_address?: string } }
  healthcheck?: { test?: string[] }
}
const compose = parse(await readFile(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>
  configs: Record<string, { content: string }>
  networks: { default: { ipam: { config: Array<{ subnet: string }> } } }
}

t.test('the Dockerfile builds in stages on Node 24 slim and runs production dependencies as a non-root user', async (t) => {
  const stages = dockerfile.match(/^FROM .+$/gm) ?? []
  t.ok(stages.length >= 2, 'multi-stage')
  for (const stage of stages.slice(0, -1)) t.match(stage, /^FROM node:24-slim\b/)
  t.equal(stages.at(-1), 'FROM service', 'the default target is the service target with more in it')
  t.match(dockerfile, /^RUN npm ci --omit=dev\b/m)
  t.match(dockerfile, /^USER node$/m)
  t.match(dockerfile, /^HEALTHCHECK .*\/health\/ready/ms)
  const { scripts } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(serviceStage)?.[1] ?? '[]') as string[]
  t.same(cmd, scripts.start.split(' '), "node is PID 1 and receives the signals, with the start script's flags")
  t.match(scripts.start, /--min-semi-space-size=16\b/, 'a young generation at its full size from the start')
  t.match(dockerfile, /^ENV NODE_ENV=production$/m)
})

t.test('the service target ships neither the simulator nor the demo; the default target adds them; compose builds each target', async (t) => {
  t.match(dockerfile, /^RUN cp -r dist service-dist && rm -r service-dist\/simulator service-dist\/demo$/m, 'the service\'s files without them')
  t.match(serviceStage, /^COPY --from=build \/app\/service-dist \.\/dist$/m, 'the service target copies those')
  t.notMatch(serviceStage, /^COPY --from=build \/app\/dist\b/m)
  t.match(defaultStage, /^COPY --from=build \/app\/dist\/simulator \.\/dist\/simulator$/m, 'the default target adds the simulator')
  t.match(defaultStage, /^COPY --from=build \/app\/dist\/demo \.\/dist\/demo$/m, 'and the demo')
  const simulatorStage = stages.find((stage) => /^FROM \S+ AS simulator$/m.test(stage)) ?? ''
  t.match(simulatorStage, /^COPY --from=build \/app\/dist \.\/dist$/m, 'the simulator target copies the whole build')
  t.same(compose.services.simulator?.build, { context: '.', target: 'simulator' })
  t.same(compose.services.service?.build, { context: '.', target: 'service' }, 'the service from the service target')
})

t.test('docker-compose.yml: two replicas behind one port, Redis, the simulator, and only variables the code reads', async (t) => {
  const { service, simulator, redis, proxy } = compose.services
  t.equal(service?.deploy?.replicas, 2)
  t.same(proxy?.ports, ['8080:8080'], 'one port in front')
  t.match(compose.configs.proxy?.content, /proxy_pass http:\/\/service;/)
  t.match(compose.configs.proxy?.content, /upstream service \{[^}]*server service:3000 resolve;[^}]*keepalive \d+;/, 'to the replicas, over keep-alive connections')
  for (const directive of ['proxy_http_version 1.1;', 'proxy_set_header Connection "";', 'proxy_buffering off;', 'proxy_read_timeout 3600s;']) {
    t.ok(compose.configs.proxy?.content.includes(directive), `${directive} (keep-alive upstreams; live-event streams unbuffered and long)`)
  }
  t.ok(redis, 'Redis for shared counters')
  t.same(simulator?.command, ['node', 'dist/simulator/server.js'])

  const serviceEnv = service?.environment ?? {}
  const simulatorEnv = simulator?.environment ?? {}
  t.same(Object.keys(serviceEnv).filter((name) => !(name in EnvSchema.properties)), [], 'the service reads every variable it is given')
  t.same(Object.keys(simulatorEnv).filter((name) => !(name in SimulatorEnvSchema.properties)), [], 'so does the simulator')
  const config = loadConfig(serviceEnv)
  t.equal(config.dwolla.apiUrl, `http://simulator:${simulatorEnv.PORT}`, 'the service talks to the simulator service')
  t.equal(config.auth.mode, 'jwt', 'production configuration')
  t.same(config.plainHttpAllowed, ['DWOLLA_API_URL'], "the simulator's plain http, allowed by name")
  const stopGraceMs = Number(/^(\d+)s$/.exec(service?.stop_grace_period ?? '')?.[1]) * 1000
  t.ok(stopGraceMs > config.shutdownDrainMs + config.shutdownGraceMs, 'compose waits out the drain and the grace before SIGKILL')
  t.same([serviceEnv.DWOLLA_KEY, serviceEnv.DWOLLA_SECRET], [simulatorEnv.DWOLLA_KEY, simulatorEnv.DWOLLA_SECRET], 'matching credentials')
  t.equal(serviceEnv.REDIRECT_URLS, simulatorEnv.REDIRECT_URLS, 'the same registered redirects on both sides')
})

t.test('docker-compose.yml: Redis requires a password, which the service and the healthcheck give', async (t) => {
  const { service, redis } = compose.services
  const command = redis?.command ?? []
  const password = command[command.indexOf('--requirepass') + 1]
  t.ok(command.includes('--requirepass') && password, 'requirepass is set')
  const redisUrl = new URL(loadConfig(service?.environment ?? {}).redisUrl ?? '')
  t.same([redisUrl.protocol, redisUrl.host, decodeURIComponent(redisUrl.password)], ['redis:', 'redis:6379', password], "the service's REDIS_URL carries it")
  t.equal(redis?.environment?.REDISCLI_AUTH, password, 'redis-cli authenticates')
  t.same(redis?.healthcheck?.test, ['CMD-SHELL', 'redis-cli ping | grep -qx PONG'], 'healthy only when the authenticated ping answers (a refused one exits 0 too)')
})

t.test('docker-compose.yml: only the proxy is trusted, metrics and simulator control stay off the published ports', async (t) => {
  const { service, simulator, proxy } = compose.services
  const proxyAddress = proxy?.networks?.default?.ipv4_address
  t.match(proxyAddress, /^10\.203\.0\.\d+$/, 'the proxy has a fixed address')
  t.same(compose.networks.default.ipam.config, [{ subnet: '10.203.0.0/24' }], 'in a fixed subnet')
  const config = loadConfig(service?.environment ?? {})
  t.same(config.trustProxy, [proxyAddress], "TRUST_PROXY is the proxy's address and nothing else")

  t.same(config.metrics, { listen: { port: 9464, host: '0.0.0.0' } }, 'metrics on a port of their own, for the compose network')
  const proxyConfig = compose.configs.proxy?.content ?? ''
  t.same(proxyConfig.match(/proxy_pass .*/g), ['proxy_pass http://service;'], 'one upstream')
  t.same(proxyConfig.match(/server service:\d+/g), ['server service:3000'], 'the API port only, not the metrics port')
  t.match(proxyConfig, /location = \/metrics \{\s*return 404;\s*\}/, '/metrics is refused at the proxy as well')
  t.notOk(service?.ports, 'the replicas publish no port')

  t.equal(simulator?.environment?.HOST, '0.0.0.0', 'the simulator leaves loopback only because compose asks it to')
  t.same(simulator?.ports, ['127.0.0.1:3001:3001'], 'its bank pages (and control endpoints) published to this machine only')
})

/** Starts the built service as the image does, against the built simulator, and waits for it to listen. */
async function startBuilt (t: Test, node: string, cwd: string, simulatorCwd: string) {
  const credentials = { DWOLLA_KEY: 'image-check-key', DWOLLA_SECRET: 'image-check-secret' }
  const simulator = await startLogging(t, { command: [node, 'dist/simulator/server.js'], cwd: simulatorCwd, env: { PATH: process.env.PATH, ...credentials, PORT: '0' }, ready: (record) => record.msg.startsWith('Dwolla API simulator') })
  const { child, readyRecord } = await startLogging(t, { command: [node, 'dist/server.js'], cwd, env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      ...credentials,
      DWOLLA_API_URL: String(simulator.readyRecord.address),
      ALLOW_PLAIN_HTTP: 'DWOLLA_API_URL',
      AUTH_MODE: 'jwt',
      JWT_SECRET: 'image-check-secret-0123456789abcdef',
      JWT_ISSUER: 'https://id.example.com/',
      JWT_AUDIENCE: 'dwolla-bff'
    }, ready: (record) => listeningUrl(record) !== undefined })
  return { child, url: listeningUrl(readyRecord)! }
}

// Two clean installs and a build outlast the per-file timeout of .taprc on a busy machine.
t.setTimeout(600_000)
t.test("the image's steps in a clean directory: production install, built output, start, health check, on Node 20 and 24", async (t) => {
  t.setTimeout(600_000)
  const work = await mkdtemp(join(tmpdir(), 'image-'))
  t.teardown(() => rm(work, { recursive: true, force: true }))
  const build = join(work, 'build')
  const app = join(work, 'app')
  await mkdir(build)
  await mkdir(app)
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src']) {
    await cp(join(root, file), join(build, file), { recursive: true })
  }
  await run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: build })
  await run('npm', ['run', 'build'], { cwd: build })
  for (const file of ['package.json', 'package-lock.json']) await cp(join(root, file), join(app, file))
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app })
  // The service target's files: the build without the simulator and the demo, which the simulator runs from.
  await cp(join(build, 'dist'), join(app, 'dist'), { recursive: true, filter: (source) => !/dist\/(simulator|demo)$/.test(source) })
  const { stdout: devOnly } = await run('npm', ['ls', 'tap', 'typescript', '--omit=dev', '--parseable'], { cwd: app }).catch((error: { stdout: string }) => error)
  t.equal(devOnly.trim(), '', 'no development dependencies in the image')

  const { code: simulatorModeExit, stderr: simulatorModeError } = await run(process.execPath, ['dist/server.js'], { cwd: app, env: { PATH: process.env.PATH }, timeout: 60_000 })
    .then(() => ({ code: 0, stderr: '' }), (error: { code: number, stderr: string }) => error)
  t.equal(simulatorModeExit, 1, 'the service target holds no simulator: simulator mode cannot start from it')
  t.match(simulatorModeError, /^Invalid configuration: without DWOLLA_KEY the service runs in simulator mode, and this build has no simulator/)

  const healthcheck = JSON.parse(/^HEALTHCHECK .*?CMD (\[.*\])$/m.exec(dockerfile.replaceAll('\\\n', ''))![1]!) as string[]
  // The npm registry's node package provides the image's runtime; run its binary directly so signals reach it.
  const { stdout: node24 } = await run('npx', ['--yes', '--prefer-offline', '-p', 'node@24', 'node', '-p', 'process.execPath + " " + process.version'])
  const [node24Path, node24Version] = node24.trim().split(' ')
  t.match(node24Version, /^v24\./, 'really Node 24')
  const runtimes: Array<[string, string]> = [[process.version, process.execPath], [node24Version!, node24Path!]]
  for (const [name, node] of runtimes) {
    const { child, url } = await startBuilt(t, node, app, build)
    const ready = await fetch(`${url}/health/ready`)
    t.equal(ready.status, 200, `${name}: ready`)
    const port = new URL(url).port
    const probe = await run(healthcheck[0]!, healthcheck.slice(1), { env: { PATH: process.env.PATH, PORT: port } }).then(() => 0, () => 1)
    t.equal(probe, 0, `${name}: the image's HEALTHCHECK passes`)
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    t.equal(code, 0, `${name}: exits 0 on SIGTERM`)
  }
})
