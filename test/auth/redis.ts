import { spawn } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import type { Test } from 'tap'

async function freePort () {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

const MISSING_REDIS = 'redis-server is not installed: apt-get install redis-server (as root), then run npm test again'

/**
 * A throwaway redis-server (Debian's package; npm test's pretest installs it) on a free port, nothing persisted,
 * stopped when the test ends. Fails, never skips, when redis-server is missing.
 */
export async function startRedis (t: Test) {
  const port = await freePort()
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'])
  const stopped = new Promise((resolve) => redis.once('exit', resolve))
  await new Promise<void>((resolve, reject) => {
    redis.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new Error(MISSING_REDIS) : error)
    })
    redis.stdout.on('data', (chunk: Buffer) => { if (chunk.includes('Ready to accept connections')) resolve() })
  })
  const stop = async () => {
    redis.kill()
    await stopped
  }
  t.teardown(stop)
  return { url: `redis://127.0.0.1:${port}`, stop }
}
