import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Test } from 'tap'

export interface LogRecord {
  msg: string
  [member: string]: unknown
}

/** The URL in Fastify's "Server listening at …" line for 127.0.0.1, if the record is that line. */
export const listeningUrl = (record: LogRecord) => /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(record.msg)?.[1]

export interface LoggingProcess {
  command: readonly string[]
  env: NodeJS.ProcessEnv
  cwd?: string
  /** The record that says the process is ready. */
  ready: (record: LogRecord) => boolean
}

/**
 * Starts a process that logs pino JSON lines to stdout and waits for the first record `ready`
 * accepts. Every line is kept in `records`, also after start; the process is killed when the test ends.
 */
export async function startLogging (t: Test, { command, env, cwd, ready }: LoggingProcess) {
  const [file, ...args] = command
  const child = spawn(file!, args, { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { child.kill('SIGKILL') })
  const records: LogRecord[] = []
  const lines = createInterface({ input: child.stdout })
  const readyRecord = await new Promise<LogRecord>((resolve, reject) => {
    lines.on('line', (line) => {
      const record = JSON.parse(line) as LogRecord
      records.push(record)
      if (ready(record)) resolve(record)
    })
    child.once('exit', (code) => reject(new Error(`${command.join(' ')} exited with ${code} before it was ready`)))
  })
  return { child, records, readyRecord }
}

/** A TypeScript entry, by its path from the project's root, run by the loader the tests themselves run under (the parent's execArgv). */
export const tsEntry = (path: string) => [process.execPath, ...process.execArgv, new URL(`../../${path}`, import.meta.url).pathname]

/**
 * The service run from its TypeScript source (src/server.ts, no build) with its embedded simulator,
 * on ephemeral ports, once it listens; its URL, its log records so far and after, and the simulator's.
 */
export async function startService (t: Test, { env = {} }: { env?: NodeJS.ProcessEnv } = {}) {
  const { child, records, readyRecord } = await startLogging(t, {
    command: tsEntry('src/server.ts'),
    env: { ...process.env, PORT: '0', SIMULATOR_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    ready: (record) => listeningUrl(record) !== undefined
  })
  // The embedded simulator says where it listens before the service does.
  const simulator = records.find((record) => record.dwollaApiUrl)!
  return {
    child,
    records,
    url: listeningUrl(readyRecord) as string,
    simulatorUrl: String(simulator.dwollaApiUrl),
    customerId: String(simulator.demoCustomerId)
  }
}
