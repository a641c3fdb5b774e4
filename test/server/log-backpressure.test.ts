import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { Agent, request } from 'undici'
import { listeningUrl, startLogging, tsEntry } from '../support/processes.js'

t.test('a stdout reader that stops reading does not stall the service; its lines come later', async (t) => {
  const { child, records, readyRecord } = await startLogging(t, {
    command: tsEntry('src/server.ts'),
    env: { ...process.env, PORT: '0', SIMULATOR_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    ready: (record) => listeningUrl(record) !== undefined
  })
  const url = listeningUrl(readyRecord)!
  const agent = new Agent({ connections: 16 })
  t.teardown(() => agent.close())
  const completed = () => records.filter((record) => record.msg === 'request completed').length
  const before = completed()

  // Far more lines than the pipe holds (about 200 bytes each), sent while nobody reads them.
  child.stdout!.pause()
  const REQUESTS = 4000
  const paused = performance.now()
  let sent = 0
  let slowest = 0
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (sent++ < REQUESTS) {
      const started = performance.now()
      const response = await request(`${url}/health/live`, { dispatcher: agent })
      await response.body.dump()
      slowest = Math.max(slowest, performance.now() - started)
    }
  }))
  const elapsed = performance.now() - paused
  // Keep the reader away for at least a second, as a stalled log shipper would.
  await sleep(Math.max(0, 1000 - elapsed))
  t.ok(slowest < 1000, `every request answered while stdout was not read (slowest ${Math.round(slowest)} ms)`)

  child.stdout!.resume()
  for (let i = 0; i < 100 && completed() - before < REQUESTS; i++) await sleep(100)
  t.equal(completed() - before, REQUESTS, 'one line per request, none lost, once the reader is back')
})
