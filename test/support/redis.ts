import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import type { Test } from 'tap'

/** A loopback port free at the moment of asking. */
export async function freePort () {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

const MISSING_REDIS = 'redis-server is not installed: apt-get install redis-server (as root), then run npm test again'

async function spawnRedis (port: number) {
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'])
  const exited = new Promise((resolve) => redis.once('exit', resolve))
  await new Promise<void>((resolve, reject) => {
    redis.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new Error(MISSING_REDIS) : error)
    })
    redis.stdout.on('data', (chunk: Buffer) => { if (chunk.includes('Ready to accept connections')) resolve() })
  })
  return { redis, exited }
}

/**
 * A throwaway redis-server (Debian's package; npm test's pretest installs it) on a free port, nothing persisted,
 * stopped when the test ends. Fails, never skips, when redis-server is missing. It can be paused
 * (SIGSTOP: connections accepted, nothing answered), resumed, stopped and started again on its port.
 */
export async function startRedis (t: Test) {
  const port = await freePort()
  let current: { redis: ChildProcess, exited: Promise<unknown> } = await spawnRedis(port)
  // SIGKILL also ends a paused server.
  const stop = async () => {
    current.redis.kill('SIGKILL')
    await current.exited
  }
  t.teardown(stop)
  return {
    url: `redis://127.0.0.1:${port}`,
    stop,
    pause: () => current.redis.kill('SIGSTOP'),
    resume: () => current.redis.kill('SIGCONT'),
    restart: async () => { current = await spawnRedis(port) }
  }
}
