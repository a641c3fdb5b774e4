import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { FOLLOWER_NAME } from '../../src/shared-event-log.js'
import { startRedis } from '../support/redis.js'
import { eventually } from '../support/eventually.js'
import { startService } from '../support/processes.js'
import { dwollaEvent, postWebhook, sign } from '../support/webhook-events.js'
import { openStream, type StreamMessage } from '../support/event-stream.js'

const SECRET = 'a-webhook-secret-shared-by-replicas'

/** A replica of the service sharing the Redis, as a separate process. */
async function replica (t: Test, redisUrl: string) {
  const service = await startService(t, { env: { REDIS_URL: redisUrl, DWOLLA_WEBHOOK_SECRET: SECRET } })
  const events = async (customerId: string, lastEventId?: string) => {
    const stream = await openStream(`${service.url}/v1/customers/${customerId}/events`, { headers: lastEventId === undefined ? {} : { 'last-event-id': lastEventId } })
    t.teardown(stream.close)
    return stream
  }
  /** Delivers a funding-source webhook for the customer; answers the event. */
  const deliver = async (customerId: string) => {
    const event = dwollaEvent({ topic: 'customer_funding_source_added', resourceId: randomUUID(), customerId })
    const body = JSON.stringify(event)
    t.equal((await postWebhook(service.url, { body, signature: sign(SECRET, body) })).status, 200)
    return event
  }
  return { ...service, events, deliver }
}

const ids = (messages: StreamMessage[]) => messages.filter((message) => message.event === 'funding-source.added').map((message) => message.id)

t.test('rolling restart: a client resuming on a replica started after the events gets what it missed, in order, once', async (t) => {
  const redis = await startRedis(t)
  const customerId = randomUUID()
  const first = await replica(t, redis.url)
  const observer = await first.events(customerId)
  const client = await first.events(customerId)
  const seen = [await first.deliver(customerId), await first.deliver(customerId)]
  await client.next((message) => message.id === seen[1]?.id)
  client.close()
  const missed = [await first.deliver(customerId), await first.deliver(customerId), await first.deliver(customerId)]
  await observer.next((message) => message.id === missed[2]?.id)
  const published = ids(observer.messages)

  first.child.kill('SIGTERM')
  await observer.reading
  t.ok(Number(observer.messages.at(-1)?.retry) < 1000, 'the replica going away asks its streams to reconnect promptly')
  await once(first.child, 'exit')

  const second = await replica(t, redis.url)
  const resumed = await second.events(customerId, seen[1]?.id)
  const next = await second.deliver(customerId)
  await resumed.next((message) => message.id === next.id)
  t.same(ids(resumed.messages), [...published.slice(2), next.id], 'the missed ones in the order published, then the new one, each once')

  const unknown = await second.events(customerId, 'an-id-never-sent')
  t.same(await unknown.next((message) => message.event !== undefined), { id: next.id, event: 'resync', data: '{}' }, 'an unknown id: resync')

  for (let index = 0; index < 50; index++) await second.deliver(customerId)
  const newest = await second.deliver(customerId)
  const tooOld = await second.events(customerId, missed[0]?.id)
  t.same(await tooOld.next((message) => message.event !== undefined), { id: newest.id, event: 'resync', data: '{}' }, 'an id older than the 50 kept: resync')
})

t.test('a replica whose Redis connection drops delivers what was published meanwhile; junk in Redis harms no replica', async (t) => {
  const redis = await startRedis(t)
  const customerId = randomUUID()
  const [receiver, holder] = await Promise.all([replica(t, redis.url), replica(t, redis.url)])
  const stream = await holder.events(customerId)
  await stream.next((message) => message.retry !== undefined)
  const admin = new Redis(redis.url)
  t.teardown(() => admin.disconnect())

  // What once shut down every replica (a message that is not JSON where live events went), and entries that are not events.
  await admin.publish('bff:live-events', 'not json')
  await admin.xadd('bff:live-events', '*', 'customer', customerId, 'position', '1-0', 'payload', 'not json')
  await admin.xadd('bff:live-events', '*', 'customer', customerId, 'position', '1-1', 'payload', '{"id":"x\\nretry: 99999999","type":"funding-source.removed"}')

  const delivered = []
  for (let round = 0; round < 3; round++) {
    // Every follower's connection is cut; the event is published at once, while they reconnect.
    let followers: string[] = []
    await eventually(async () => {
      followers = (await admin.client('LIST') as string).split('\n').filter((line) => line.includes(`name=${FOLLOWER_NAME}`))
      return followers.length === 2
    })
    for (const line of followers) await admin.client('KILL', 'ID', /\bid=(\d+)/.exec(line)?.[1] as string)
    delivered.push((await receiver.deliver(customerId)).id)
  }
  await eventually(() => ids(stream.messages).length === 3)
  t.same(ids(stream.messages), delivered)
  t.same(stream.messages.filter((message) => message.retry !== undefined), [{ retry: '2000' }], 'no field written by an entry')

  for (const { url } of [receiver, holder]) t.equal((await fetch(`${url}/health/live`)).status, 200, 'alive')
  const metrics = await (await fetch(`${holder.url}/metrics`)).text()
  t.match(metrics, /^live_events_malformed_total 2$/m, 'the malformed entries counted')
  // Log lines are written a second apart at most.
  await eventually(() => holder.records.some((record) => record.msg === 'live-event log entry is malformed: skipped'))
})
