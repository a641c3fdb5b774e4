import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import ts from 'typescript'
import { parseAllDocuments } from 'yaml'
import { ConfigError, EnvSchema, readEnv } from '../../src/config/env.js'
import { loadConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/shape.js'
import { SimulatorEnvSchema } from '../../src/simulator/config.js'

const run = promisify(execFile)

export const deployDir = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url))
/** The image the base names (a container of it without a command is the service), and the trial's simulator image. */
export const SERVICE_IMAGE = 'ghcr.io/example/dwolla-bff'
export const SIMULATOR_IMAGE = 'ghcr.io/example/dwolla-bff-simulator'
const SIMULATOR_ENTRY = 'dist/simulator/server.js'

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are whatever YAML says, checked below */
export type Manifest = { apiVersion: string, kind: string, metadata: { name: string, annotations?: Record<string, string> }, [field: string]: any }
export type Container = { name: string, image: string, command?: string[], env?: any[], ports?: any[], [field: string]: any }
/* eslint-enable @typescript-eslint/no-explicit-any */

const MISSING_KUBECTL = 'kubectl is not installed: apt-get install kubernetes-client (as root), then run npm test again'

/** An overlay (or any kustomization folder) as `kubectl kustomize` renders it: Debian's kubernetes-client, which npm test's pretest installs. */
export async function render (dir: string): Promise<Manifest[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT' ? new Error(MISSING_KUBECTL) : error
  })
  return parseAllDocuments(stdout).map((document) => document.toJS() as Manifest)
}

const describe = (manifest: Manifest) => `${manifest.kind}/${manifest.metadata.name}`

/** Each manifest against the Kubernetes schema of its kind (kubernetes-models): types, required fields, formats. */
export async function schemaErrors (manifests: Manifest[]) {
  const errors: string[] = []
  for (const manifest of manifests) {
    const model = await import(`kubernetes-models/${manifest.apiVersion}/${manifest.kind}`).catch(() => undefined) as
      Record<string, new (data: Manifest) => { validate: () => void }> | undefined
    const Model = model?.[manifest.kind]
    if (!Model) {
      errors.push(`${describe(manifest)}: no ${manifest.kind} in ${manifest.apiVersion}`)
      continue
    }
    try {
      new Model(manifest).validate()
    } catch (error) {
      errors.push(`${describe(manifest)}: ${(error as Error).message}`)
    }
  }
  return errors
}

/**
 * Fields the Kubernetes API does not know (a typo the API server would drop or refuse): each manifest
 * as an object literal of its kubernetes-models type, whose excess-property check names any unknown field.
 */
export function unknownFieldErrors (manifests: Manifest[]) {
  const fileName = fileURLToPath(new URL('rendered-manifests.ts', import.meta.url))
  const source = manifests.map((manifest, index) =>
    `import type { I${manifest.kind} as T${index} } from 'kubernetes-models/${manifest.apiVersion}/${manifest.kind}'\n` +
    `export const m${index}: T${index} = ${JSON.stringify(manifest)}\n`).join('')
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, types: [], target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext
  }
  const host = ts.createCompilerHost(options)
  const { getSourceFile, fileExists, readFile } = host
  host.getSourceFile = (name, language, ...rest) => name === fileName ? ts.createSourceFile(name, source, language) : getSourceFile.call(host, name, language, ...rest)
  host.fileExists = (name) => name === fileName || fileExists.call(host, name)
  host.readFile = (name) => name === fileName ? source : readFile.call(host, name)
  const program = ts.createProgram([fileName], options, host)
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const line = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line : -1
    const manifest = manifests[Math.floor(line / 2)]
    return `${manifest ? describe(manifest) : '?'}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`
  })
}

/** Every container of every workload, with the pod spec and the workload it is in. */
export function containers (manifests: Manifest[]) {
  return manifests.filter((manifest) => manifest.kind === 'Deployment').flatMap((deployment) =>
    (deployment.spec.template.spec.containers as Container[]).map((container) => ({ deployment, pod: deployment.spec.template.spec, container })))
}

const isService = (container: Container) => container.image.startsWith(`${SERVICE_IMAGE}:`) && container.command === undefined
const isSimulator = (container: Container) => container.image.startsWith(`${SIMULATOR_IMAGE}:`) && container.command?.includes(SIMULATOR_ENTRY) === true

/**
 * A container's environment as the process sees it: literal values, and secret keys from the
 * rendered Secrets or, for Secrets made outside the repository, the placeholders given.
 */
export function environment (container: Container, manifests: Manifest[], placeholders: Record<string, string>) {
  const env: Record<string, string> = {}
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef as { name: string, key: string } | undefined
    if (!ref) {
      env[variable.name] = variable.value
      continue
    }
    const secret = manifests.find((manifest) => manifest.kind === 'Secret' && manifest.metadata.name === ref.name)
    const value = secret
      ? Buffer.from(secret.data?.[ref.key] ?? '', 'base64').toString()
      : placeholders[ref.key]
    if (value === undefined) throw new Error(`${container.name}: ${variable.name} comes from Secret ${ref.name}, key ${ref.key}: give a placeholder`)
    env[variable.name] = value
  }
  return env
}

export interface ServedPaths {
  service: (path: string) => boolean
  simulator: (path: string) => boolean
}

/** The port a probe or a policy names (a number, or a container port's name) as a number. */
const portOf = (container: Container, port: number | string) =>
  typeof port === 'number' ? port : (container.ports ?? []).find((named) => named.name === port)?.containerPort as number | undefined

/**
 * What the manifests say against what the project is: variables the code reads and accepts,
 * probes on paths it serves and the port it listens on, a grace period that covers the drain and
 * the grace, and metrics where it serves them.
 */
export function projectErrors (manifests: Manifest[], placeholders: Record<string, string>, served: ServedPaths) {
  const errors: string[] = []
  const checkProbes = (where: string, container: Container, serves: (path: string) => boolean, port: number) => {
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      const http = container[probe]?.httpGet as { path: string, port: number | string } | undefined
      if (!http) continue
      if (!serves(http.path)) errors.push(`${where}: ${probe} on ${http.path}, which is not served`)
      if (portOf(container, http.port) !== port) errors.push(`${where}: ${probe} on port ${http.port}, not the listening port ${port}`)
    }
  }
  for (const { deployment, pod, container } of containers(manifests)) {
    const where = `${describe(deployment)} ${container.name}`
    const env = environment(container, manifests, placeholders)
    if (isService(container)) {
      const unknown = Object.keys(env).filter((name) => !(name in EnvSchema.properties))
      if (unknown.length > 0) errors.push(`${where}: ${unknown.join(', ')} not read by the service`)
      let config: Config
      try {
        config = loadConfig(env)
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error
        errors.push(`${where}: ${error.message}`)
        continue
      }
      checkProbes(where, container, served.service, config.port)
      const seconds = pod.terminationGracePeriodSeconds as number | undefined ?? 30
      if (seconds * 1000 <= config.shutdownDrainMs + config.shutdownGraceMs) {
        errors.push(`${where}: terminationGracePeriodSeconds ${seconds} does not cover drain + grace (${config.shutdownDrainMs + config.shutdownGraceMs} ms)`)
      }
      const scraped = deployment.spec.template.metadata?.annotations?.['prometheus.io/port'] as string | undefined
      const metricsPort = typeof config.metrics.listen === 'object' ? config.metrics.listen.port : undefined
      if (scraped !== String(metricsPort) || portOf(container, 'metrics') !== metricsPort) {
        errors.push(`${where}: metrics served on ${metricsPort}, scraped on ${scraped}`)
      }
    } else if (isSimulator(container)) {
      const unknown = Object.keys(env).filter((name) => !(name in SimulatorEnvSchema.properties))
      if (unknown.length > 0) errors.push(`${where}: ${unknown.join(', ')} not read by the simulator`)
      try {
        checkProbes(where, container, served.simulator, readEnv(SimulatorEnvSchema, env).PORT)
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error
        errors.push(`${where}: ${error.message}`)
      }
    }
  }
  return errors
}
