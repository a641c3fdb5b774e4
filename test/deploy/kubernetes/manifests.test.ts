import { join } from 'node:path'
import t, { type Test } from 'tap'
import { buildSimulator } from '../../../src/simulator/app.js'
import { buildSandboxApp } from '../../support/stack.js'
import { containers, deployDir, projectErrors, render, schemaErrors, SERVICE_IMAGE, SIMULATOR_IMAGE, unknownFieldErrors, type Manifest, type ServedPaths } from '../../support/kubernetes-manifests.js'

// Values of the production Secret, made outside the repository: shaped as real ones are.
const PLACEHOLDERS = {
  DWOLLA_KEY: 'placeholder-key',
  DWOLLA_SECRET: 'placeholder-secret',
  DWOLLA_WEBHOOK_SECRET: 'placeholder-webhook-secret-0123456789',
  JWT_ISSUER: 'https://id.example.com/',
  JWT_AUDIENCE: 'dwolla-bff',
  JWT_JWKS_URL: 'https://id.example.com/.well-known/jwks.json',
  REDIS_URL: 'rediss://:placeholder@redis.example.internal:6380'
}

// Checking against the project takes a while (type-checking every manifest); one rendering per overlay.
t.setTimeout(240_000)
const overlays = { trial: await render(join(deployDir, 'trial')), production: await render(join(deployDir, 'production')) }

async function servedPaths (t: Test): Promise<ServedPaths> {
  const app = await buildSandboxApp(t)
  const simulator = await buildSimulator({ credentials: { key: 'k', secret: 's' }, registeredRedirects: [] })
  t.teardown(() => simulator.close())
  await simulator.ready()
  return {
    service: (url) => app.hasRoute({ method: 'GET', url }),
    simulator: (url) => simulator.hasRoute({ method: 'GET', url })
  }
}

const find = (manifests: Manifest[], kind: string, name: string) => {
  const found = manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name)
  if (!found) throw new Error(`no ${kind}/${name}`)
  return found
}

for (const [overlay, manifests] of Object.entries(overlays)) {
  t.test(`${overlay}: every manifest passes the Kubernetes schemas, with no unknown field`, async (t) => {
    t.same(await schemaErrors(manifests), [])
    t.same(unknownFieldErrors(manifests), [])
    const kinds = manifests.map((manifest) => manifest.kind)
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'Ingress']) {
      t.ok(kinds.includes(kind), kind)
    }
  })

  t.test(`${overlay}: the service's variables, probes, ports, grace period and metrics are the project's`, async (t) => {
    t.same(projectErrors(manifests, PLACEHOLDERS, await servedPaths(t)), [])
  })

  t.test(`${overlay}: replicas, rollout, spread and locked-down containers`, async (t) => {
    const api = find(manifests, 'Deployment', 'dwolla-bff')
    t.ok(api.spec.replicas >= 2, '2+ replicas')
    t.match(api.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } })
    t.same(api.spec.template.spec.topologySpreadConstraints.map((spread: { topologyKey: string }) => spread.topologyKey),
      ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'])
    for (const { deployment, pod, container } of containers(manifests)) {
      const where = `${deployment.metadata.name} ${container.name}`
      t.match(pod.securityContext, { runAsNonRoot: true, runAsUser: Number, seccompProfile: { type: 'RuntimeDefault' } }, `${where}: non-root, seccomp`)
      t.same(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }, `${where}: locked down`)
      t.match(container.resources, { requests: { cpu: String, memory: String }, limits: { memory: String } }, `${where}: sized`)
    }
    const service = containers([api])[0]!.container
    t.match(service.image, `${SERVICE_IMAGE}:`)
    t.same(service.volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }], 'the one writable place is /tmp')
    t.ok(service.startupProbe && service.livenessProbe && service.readinessProbe, 'startup, liveness and readiness probes')
    t.match(find(manifests, 'HorizontalPodAutoscaler', 'dwolla-bff').spec, {
      scaleTargetRef: { kind: 'Deployment', name: 'dwolla-bff' }, minReplicas: 2, metrics: [{ resource: { name: 'cpu' } }]
    })
    t.match(find(manifests, 'PodDisruptionBudget', 'dwolla-bff').spec, { maxUnavailable: 1, selector: { matchLabels: api.spec.selector.matchLabels } })
  })

  t.test(`${overlay}: traffic: the ingress streams events unbuffered and routes the API and webhooks; the policy admits only the proxy and monitoring`, async (t) => {
    const ingress = find(manifests, 'Ingress', 'dwolla-bff')
    t.match(ingress.metadata.annotations, {
      'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600'
    })
    const paths = ingress.spec.rules.flatMap((rule: { http: { paths: Array<{ path: string }> } }) => rule.http.paths.map((path) => path.path))
    t.same(paths, ['/v1', '/webhooks/dwolla'])
    const policy = find(manifests, 'NetworkPolicy', 'dwolla-bff')
    t.same(policy.spec.ingress.map((rule: { from: Array<{ namespaceSelector: { matchLabels: Record<string, string> } }>, ports: Array<{ port: string }> }) =>
      [rule.from[0]!.namespaceSelector.matchLabels['kubernetes.io/metadata.name'], rule.ports.map((port) => port.port)]),
    [['ingress-nginx', ['http']], ['monitoring', ['metrics']]])
    t.same(policy.spec.egress.map((rule: { ports: Array<{ port: number }> }) => rule.ports.map((port) => port.port)), [[53, 53], [6379, 6380], [443]])
  })
}

t.test('trial: the simulator and a Redis, credentials shared through a generated Secret', async (t) => {
  const manifests = overlays.trial
  const names = containers(manifests).map(({ container }) => container.name)
  t.same(names.sort(), ['api', 'redis', 'simulator'])
  const simulator = containers(manifests).find(({ container }) => container.name === 'simulator')!.container
  t.match(simulator.image, `${SIMULATOR_IMAGE}:`, "the simulator target's image, not the service's")
  const secret = manifests.find((manifest) => manifest.kind === 'Secret')!
  t.match(secret.metadata.name, /^dwolla-bff-trial-/)
})

t.test('production: credentials, webhook secret, JWT settings and the Redis URL from the Secret', async (t) => {
  const [api] = containers(overlays.production)
  const env = api!.container.env as Array<{ name: string, valueFrom?: { secretKeyRef?: { name: string } } }>
  const fromSecret = env.filter((variable) => variable.valueFrom?.secretKeyRef?.name === 'dwolla-bff').map((variable) => variable.name)
  t.same(fromSecret.sort(), Object.keys(PLACEHOLDERS).sort())
  t.notOk(overlays.production.some((manifest) => manifest.kind === 'Secret'), 'no secret in the repository')
})

/** A copy of the trial overlay with one change to its service container. */
function changed (change: (api: Manifest, container: Record<string, unknown>) => void) {
  const manifests = structuredClone(overlays.trial)
  const api = find(manifests, 'Deployment', 'dwolla-bff')
  change(api, api.spec.template.spec.containers[0])
  return manifests
}

t.test('the checks fail on a typo in a field name, a value of the wrong type, an unknown variable, a probe off the service, a short grace period', async (t) => {
  const typo = changed((_, container) => { container.imagePullPolcy = 'Always' })
  t.match(unknownFieldErrors(typo), [/^Deployment\/dwolla-bff: .*'"imagePullPolcy"' does not exist in type 'IContainer'/])
  const wrongType = changed((api) => { api.spec.replicas = 'two' })
  t.match(await schemaErrors(wrongType), [/^Deployment\/dwolla-bff: data\/spec\/replicas must be integer/])

  const served = await servedPaths(t)
  const unknownVariable = changed((_, container) => { (container.env as unknown[]).push({ name: 'SHUTDOWN_DRAIN_SECONDS', value: '5' }) })
  t.same(projectErrors(unknownVariable, PLACEHOLDERS, served), ['Deployment/dwolla-bff api: SHUTDOWN_DRAIN_SECONDS not read by the service'])
  const badValue = changed((_, container) => { (container.env as unknown[]).push({ name: 'SHUTDOWN_DRAIN_MS', value: '5s' }) })
  t.match(projectErrors(badValue, PLACEHOLDERS, served), [/^Deployment\/dwolla-bff api: SHUTDOWN_DRAIN_MS: /])
  const badProbe = changed((_, container) => { (container.readinessProbe as { httpGet: { path: string } }).httpGet.path = '/healthz' })
  t.same(projectErrors(badProbe, PLACEHOLDERS, served), ['Deployment/dwolla-bff api: readinessProbe on /healthz, which is not served'])
  const badPort = changed((_, container) => { (container.livenessProbe as { httpGet: { port: unknown } }).httpGet.port = 'metrics' })
  t.same(projectErrors(badPort, PLACEHOLDERS, served), ['Deployment/dwolla-bff api: livenessProbe on port metrics, not the listening port 3000'])
  const shortGrace = changed((api) => { api.spec.template.spec.terminationGracePeriodSeconds = 15 })
  t.same(projectErrors(shortGrace, PLACEHOLDERS, served), ['Deployment/dwolla-bff api: terminationGracePeriodSeconds 15 does not cover drain + grace (15000 ms)'])
})
