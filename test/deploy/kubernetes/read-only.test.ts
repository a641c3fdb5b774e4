import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { copyFile, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { startRedis } from '../../support/redis.js'
import { token } from '../../support/tokens.js'
import { listeningUrl, startLogging } from '../../support/processes.js'
import { openStream } from '../../support/event-stream.js'
import { containers, deployDir, environment, render } from '../../support/kubernetes-manifests.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../../', import.meta.url))

// Node's permission model: the process may read anything and write only where it is allowed, as
// on a read-only root filesystem with the manifest's writable mounts (Node 22 renamed the flag).
const major = Number(process.versions.node.split('.')[0])
const permission = (writable: string[]) => [major >= 22 ? '--permission' : '--experimental-permission', '--allow-fs-read=*', ...writable.map((path) => `--allow-fs-write=${path}`)]

t.setTimeout(240_000)

t.test('a write outside the allowed places fails the process: the check can see one', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'read-only-'))
  t.teardown(() => rm(work, { recursive: true, force: true }))
  const written = await run(process.execPath, [...permission(['/tmp']), '-e', `require('node:fs').writeFileSync(${JSON.stringify(join(work, 'x'))}, '')`], { cwd: root })
    .then(() => 'written', (error: { stderr: string }) => error.stderr)
  t.match(written, /ERR_ACCESS_DENIED/)
})

t.test("the built service, as the trial overlay configures it, serves and shuts down writing nothing outside the manifest's writable mounts", async (t) => {
  const manifests = await render(join(deployDir, 'trial'))
  const [api] = containers(manifests).filter(({ container }) => container.name === 'api')
  const writable = (api!.container.volumeMounts as Array<{ mountPath: string }>).map((mount) => mount.mountPath)
  t.same(writable, ['/tmp'])
  const env = environment(api!.container, manifests, {})

  // The image's content: the compiled service beside its dependencies.
  const work = await mkdtemp(join(tmpdir(), 'read-only-'))
  t.teardown(() => rm(work, { recursive: true, force: true }))
  await symlink(join(root, 'node_modules'), join(work, 'node_modules'))
  await copyFile(join(root, 'package.json'), join(work, 'package.json'))
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(work, 'dist'), '--sourceMap', 'false'])

  const redis = await startRedis(t)
  const simulator = await startLogging(t, { command: [process.execPath, 'dist/simulator/server.js'], cwd: work, env: { PATH: process.env.PATH, PORT: '0', DWOLLA_KEY: env.DWOLLA_KEY, DWOLLA_SECRET: env.DWOLLA_SECRET, REDIRECT_URLS: env.REDIRECT_URLS, SIMULATOR_PUBLIC_URL: env.SIMULATOR_PUBLIC_URL }, ready: (record) => record.msg.startsWith('Dwolla API simulator') })
  const customerId = String(simulator.readyRecord.demoCustomerId)
  // Metrics off (empty is unset): their listener's start line would read as the service's. Without the test runner's own hooks, which tap adds to every child's NODE_OPTIONS: they are not the service's.
  const service = await startLogging(t, { command: ['/usr/bin/env', '-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, ...permission(writable), '--disable-warning=FAST_JWT_CACHE_KEY_BUILDER_SECURITY_RISK', 'dist/server.js'], cwd: work, env: { ...env, PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '', SHUTDOWN_DRAIN_MS: '100', DWOLLA_API_URL: String(simulator.readyRecord.address), REDIS_URL: redis.url }, ready: (record) => listeningUrl(record) !== undefined })
  const url = listeningUrl(service.readyRecord)!

  t.equal((await fetch(`${url}/health/ready`)).status, 200, 'ready')
  const authorization = `Bearer ${token(customerId, { key: env.JWT_SECRET })}`
  const stream = await openStream(`${url}/v1/customers/${customerId}/events`, { headers: { authorization } })
  t.equal(stream.response.status, 200, 'a live-event stream opens')
  const created = await fetch(`${url}/v1/customers/${customerId}/exchange-sessions`, {
    method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: '{"partner":"mx"}'
  })
  t.equal(created.status, 201, 'an exchange session is created')
  service.child.kill('SIGTERM')
  const [code] = await once(service.child, 'exit')
  stream.close()
  t.equal(code, 0, 'exits 0')
  t.notMatch(JSON.stringify(service.records), /ERR_ACCESS_DENIED|EROFS/, 'no write was refused')
})
