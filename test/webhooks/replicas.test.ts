import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import t, { type Test } from 'tap'
import { startRedis } from '../support/redis.js'
import { openStream } from '../support/event-stream.js'
import { listeningUrl, startLogging, tsEntry } from '../support/processes.js'
import { dwollaEvent, postWebhook, sign } from '../support/webhook-events.js'

const SECRET = 'a-webhook-secret-shared-by-the-replicas'

/** A replica run from src/server.ts (its own simulator), sharing the test's Redis. */
async function replica (t: Test, redisUrl: string) {
  const { child, readyRecord } = await startLogging(t, {
    command: tsEntry('src/server.ts'),
    env: { ...process.env, PORT: '0', SIMULATOR_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', MAX_EVENT_LOOP_DELAY_MS: '0', REDIS_URL: redisUrl, DWOLLA_WEBHOOK_SECRET: SECRET },
    ready: (record) => listeningUrl(record) !== undefined
  })
  return { child, url: listeningUrl(readyRecord)! }
}

t.test('a replica SIGKILLed in the middle of a burst: every event it acknowledged reaches the app through the other', async (t) => {
  const redis = await startRedis(t)
  const [doomed, survivor] = await Promise.all([replica(t, redis.url), replica(t, redis.url)])
  const customerId = randomUUID()
  const stream = await openStream(`${survivor.url}/v1/customers/${customerId}/events`)
  t.teardown(stream.close)
  t.equal(stream.response.status, 200)
  const send = async (event: ReturnType<typeof dwollaEvent>) => {
    const body = JSON.stringify(event)
    try {
      return (await postWebhook(doomed.url, { body, signature: sign(SECRET, body) })).status
    } catch {
      return 'no answer'
    }
  }
  const acknowledged: string[] = []
  const burst = async () => {
    const events = Array.from({ length: 10 }, () => dwollaEvent({ topic: 'customer_funding_source_verified', resourceId: randomUUID(), customerId }))
    return Promise.all(events.map(async (event) => {
      const status = await send(event)
      if (status === 200) acknowledged.push(event.id)
      return status
    }))
  }
  t.same(await burst(), Array(10).fill(200), 'a first burst of 10, all acknowledged')
  // Bursts of 10 at once until the replica is killed in the middle of one.
  const bursts = (async () => { while (doomed.child.exitCode === null && doomed.child.signalCode === null) await burst() })()
  while (acknowledged.length < 45) await new Promise((resolve) => setTimeout(resolve, 5))
  doomed.child.kill('SIGKILL')
  await once(doomed.child, 'exit')
  await bursts
  t.comment(`${acknowledged.length} events acknowledged before the kill`)
  // The other replica works the shared inbox, and takes over what the dead one held once its lease lapses.
  for (const id of acknowledged) await stream.next((message) => message.id === id, 60_000)
  t.pass('every acknowledged event reached the stream on the surviving replica')
})
