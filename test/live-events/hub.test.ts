import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { Counter, Registry } from 'prom-client'
import t, { type Test } from 'tap'
import { createLiveEvents, type LiveEvent } from '../../src/live-events/hub.js'
import { createLogger } from '../../src/logger.js'
import { createMemoryEventLog, createRedisEventLog, FOLLOWER_NAME, type EventLog } from '../../src/shared-event-log.js'
import { startRedis } from '../support/redis.js'
import { captureLogs } from '../support/logs.js'
import { eventually } from '../support/eventually.js'

const event = (id: string): LiveEvent => ({ id, type: 'funding-source.added', data: { fundingSourceId: 'fs' }, occurredAt: '2026-11-26T16:00:00.000Z' })

/** A hub on the log, with what it logs and counts. */
async function hub (t: Test, eventLog: EventLog) {
  t.teardown(() => eventLog.close())
  const logs = captureLogs()
  const malformed = new Counter({ name: 'malformed', help: 'malformed', registers: [new Registry()] })
  const live = await createLiveEvents(eventLog, { log: createLogger('warn', logs.stream), malformed })
  /** What a stream of the customer hears, resuming after lastEventId. */
  const listen = async (customerId: string, lastEventId?: string) => {
    const heard: string[] = []
    const stop = await live.listen(customerId, lastEventId, {
      event: ({ id }) => heard.push(id),
      resync: (newestId) => heard.push(`resync after ${newestId}`)
    })
    t.teardown(stop)
    return { heard, stop }
  }
  return { live, listen, logs, malformed: async () => (await malformed.get()).values[0]?.value }
}

/** The same behaviour from both kinds of log. */
async function behaves (t: Test, eventLog: EventLog) {
  const { live, listen } = await hub(t, eventLog)
  for (let index = 0; index < 60; index++) await live.publish('customer-0', event(`e${index}`))
  t.same((await listen('customer-0', 'e9')).heard, ['resync after e59'], 'fifty are kept: an id older than those is a resync, at the newest')
  t.same((await listen('customer-0', 'e10')).heard, Array.from({ length: 49 }, (_, index) => `e${index + 11}`), 'after a kept one: the rest, in order')
  t.same((await listen('customer-0', 'e59')).heard, [], 'after the newest: nothing')
  t.same((await listen('customer-0', 'never-sent')).heard, ['resync after e59'], 'an unknown id is a resync')
  t.same((await listen('customer-1', 'e10')).heard, ['resync after undefined'], "another customer's id is unknown here; no history at all")

  const resumed = await listen('customer-0', 'e58')
  const fresh = await listen('customer-0')
  await live.publish('customer-0', event('e60'))
  await live.publish('customer-0', event('e60'))
  await live.publish('customer-2', event('other'))
  await live.publish('customer-0', event('e61'))
  await eventually(() => resumed.heard.length === 3 && fresh.heard.length === 2)
  t.same(resumed.heard, ['e59', 'e60', 'e61'], 'missed then new, in order, a republished id once')
  t.same(fresh.heard, ['e60', 'e61'], 'without an id: from now on')
  fresh.stop()
  await live.publish('customer-0', event('e62'))
  await eventually(() => resumed.heard.length === 4)
  t.same(fresh.heard, ['e60', 'e61'], 'a stopped listener hears no more')
  t.same((await listen('customer-0', 'e59')).heard, ['e60', 'e61', 'e62'], 'the republished id was stored once')

  await t.rejects(live.publish('customer-0', event('line\nretry: 99999999')), TypeError, 'an id that would add a line is refused')
  await t.rejects(live.publish('customer-0', { ...event('e63'), data: { fundingSourceId: 'fs', extra: 1 } } as unknown as LiveEvent), TypeError)
}

t.test('in memory', async (t) => {
  await behaves(t, createMemoryEventLog())
})

t.test('in Redis', async (t) => {
  const redis = await startRedis(t)
  await behaves(t, await createRedisEventLog(redis.url, createLogger('silent', captureLogs().stream)))
})

t.test('in memory, the customers kept are bounded: the least recently active is forgotten', async (t) => {
  const { live, listen } = await hub(t, createMemoryEventLog())
  await live.publish('customer-0', event('first'))
  await live.publish('customer-0', event('second'))
  for (let index = 1; index <= 10_000; index++) await live.publish(`customer-${index}`, event(`only-${index}`))
  t.same((await listen('customer-0', 'first')).heard, ['resync after undefined'])
  t.same((await listen('customer-1', 'only-1')).heard, [])
})

t.test('in memory, the event ids remembered are bounded: past 200,000 the oldest may be published again', async (t) => {
  const { live, listen } = await hub(t, createMemoryEventLog())
  const stream = await listen('c')
  await live.publish('c', event('oldest'))
  for (let index = 1; index < 200_000; index++) await live.publish('d', event(`id-${index}`))
  await live.publish('c', event('oldest'))
  t.same(stream.heard, ['oldest'], 'still remembered at 200,000')
  await live.publish('d', event('one-more'))
  await live.publish('c', event('oldest'))
  t.same(stream.heard, ['oldest', 'oldest'], 'forgotten past it')
})

t.test('a stream resuming while events arrive hears each once, in order', async (t) => {
  const redis = await startRedis(t)
  const log = () => createRedisEventLog(redis.url, createLogger('silent', captureLogs().stream))
  const publisher = await hub(t, await log())
  await publisher.live.publish('c', event('seen'))
  // Started after an event: it follows from there.
  const holder = await hub(t, await log())
  const publishing = (async () => {
    // Fewer than are kept, so every stream resumes.
    for (let index = 0; index < 45; index++) await publisher.live.publish('c', event(`n${index}`))
  })()
  const streams: Array<{ heard: string[] }> = []
  for (let index = 0; index < 20; index++) streams.push(await holder.listen('c', 'seen'))
  await publishing
  const all = Array.from({ length: 45 }, (_, index) => `n${index}`)
  await eventually(() => streams.every(({ heard }) => heard.length >= 45))
  for (const { heard } of streams) t.same(heard, all)
})

t.test("nothing read back is trusted: a malformed entry is counted, logged and skipped; a stream's next event still arrives", async (t) => {
  const redis = await startRedis(t)
  const { live, listen, logs, malformed } = await hub(t, await createRedisEventLog(redis.url, createLogger('silent', captureLogs().stream)))
  const raw = new Redis(redis.url)
  t.teardown(() => raw.disconnect())
  await live.publish('c', event('kept'))
  const stream = await listen('c')
  await raw.xadd('bff:live-events', '*', 'customer', 'c', 'position', '1-0', 'id', 'x', 'payload', 'not json')
  await raw.xadd('bff:live-events', '*', 'customer', 'c', 'position', '1-1', 'payload', JSON.stringify({ ...event('x\nretry: 1'), id: 'x\nretry: 1' }))
  await raw.xadd('bff:live-events', '*', 'customer', 'c', 'payload', JSON.stringify(event('no-position')))
  await raw.xadd('bff:live-events', '*', 'nothing', 'named')
  await raw.xadd('bff:live-events:customer:c', '*', 'id', 'junk', 'payload', '{')
  await live.publish('c', event('after'))
  await eventually(() => stream.heard.length === 1)
  t.same(stream.heard, ['after'])
  t.equal(await malformed(), 3)
  t.same((await listen('c', 'kept')).heard, ['after'], 'a malformed entry in the history is skipped too')
  t.equal(await malformed(), 4)
  t.ok(logs.records().some((record) => record.msg === 'live-event log entry is malformed: skipped'))
})

t.test('a follower keeps following through quiet times longer than each of its waits', async (t) => {
  const redis = await startRedis(t)
  const { live, listen } = await hub(t, await createRedisEventLog(redis.url, createLogger('silent', captureLogs().stream)))
  const stream = await listen('c')
  await sleep(1200)
  await live.publish('c', event('after-a-while'))
  await eventually(() => stream.heard.length === 1)
  t.same(stream.heard, ['after-a-while'])
})

t.test('a follower that loses its Redis connection resumes from the last entry it saw', async (t) => {
  const redis = await startRedis(t)
  const publisher = await hub(t, await createRedisEventLog(redis.url, createLogger('silent', captureLogs().stream)))
  const holder = await hub(t, await createRedisEventLog(redis.url, createLogger('silent', captureLogs().stream)))
  const stream = await holder.listen('c')
  const admin = new Redis(redis.url)
  t.teardown(() => admin.disconnect())
  for (let round = 0; round < 3; round++) {
    // Every connection but this one, the followers' included, is cut; the events go out at once.
    await admin.client('KILL', 'TYPE', 'normal')
    await eventually(async () => {
      try {
        await publisher.live.publish('c', event(`during-${round}`))
        return true
      } catch {
        return false
      }
    })
  }
  await eventually(() => stream.heard.length === 3)
  t.same(stream.heard, ['during-0', 'during-1', 'during-2'])
})

t.test('a follower back after more appends than are kept tells every stream to resync', async (t) => {
  const redis = await startRedis(t)
  const { live, listen } = await hub(t, await createRedisEventLog(redis.url, createLogger('silent', captureLogs().stream)))
  const stream = await listen('c')
  await live.publish('c', event('before'))
  await eventually(() => stream.heard.length === 1)
  const admin = new Redis(redis.url)
  t.teardown(() => admin.disconnect())
  const follower = /\bid=(\d+)/.exec((await admin.client('LIST') as string).split('\n').find((line) => line.includes(`name=${FOLLOWER_NAME}`)) as string)?.[1] as string
  // Its wait ends in an error, and before it is back 10,100 entries push out the ones it saw.
  await admin.pipeline()
    .client('UNBLOCK', follower, 'ERROR')
    .eval("for i = 1, 10100 do redis.call('XADD', KEYS[1], 'MAXLEN', '~', 10000, '*', 'customer', 'someone-else') end", 1, 'bff:live-events')
    .exec()
  await eventually(() => stream.heard.length === 2)
  t.same(stream.heard, ['before', 'resync after undefined'])
  await live.publish('c', event('after'))
  await eventually(() => stream.heard.length === 3)
  t.same(stream.heard, ['before', 'resync after undefined', 'after'], 'and goes on')
})

t.test('after a Redis restart that lost its data, a follower follows what comes next', async (t) => {
  const redis = await startRedis(t)
  const logs = captureLogs()
  const { live, listen } = await hub(t, await createRedisEventLog(redis.url, createLogger('info', logs.stream)))
  const stream = await listen('c')
  await live.publish('c', event('before'))
  await eventually(() => stream.heard.length === 1)
  await redis.stop()
  await eventually(() => logs.records().some((record) => String(record.msg).startsWith('live-event log: following stopped')))
  await redis.restart()
  await eventually(() => logs.records().some((record) => record.msg === 'live-event log: following again'))
  await eventually(async () => {
    try {
      await live.publish('c', event('after'))
      return true
    } catch {
      return false
    }
  })
  await eventually(() => stream.heard.length === 2)
  t.same(stream.heard, ['before', 'after'])
})

t.test('while Redis stalls, publishing rejects (the caller retries) and a resuming stream is told to resync; then all resumes', async (t) => {
  const redis = await startRedis(t)
  const logs = captureLogs()
  const { live, listen } = await hub(t, await createRedisEventLog(redis.url, createLogger('info', logs.stream)))
  await live.publish('c', event('kept'))
  const stream = await listen('c')
  redis.pause()
  t.teardown(redis.resume)
  await t.rejects(live.publish('c', event('lost')))
  t.same((await listen('c', 'kept')).heard, ['resync after undefined'])
  await eventually(() => logs.records().some((record) => String(record.msg).startsWith('live-event log: following stopped')))
  redis.resume()
  await eventually(() => logs.records().some((record) => record.msg === 'live-event log: following again'))
  // A publish that timed out may have been stored all the same: its retry stores nothing more.
  await live.publish('c', event('lost'))
  await live.publish('c', event('later'))
  await eventually(() => stream.heard.length === 2)
  t.same(stream.heard, ['lost', 'later'])
})

t.test('a log closed while its follower waits to reconnect leaves no connection behind', async (t) => {
  const redis = await startRedis(t)
  const logs = captureLogs()
  const eventLog = await createRedisEventLog(redis.url, createLogger('info', logs.stream))
  await eventLog.follow(() => {})
  redis.pause()
  t.teardown(redis.resume)
  await eventually(() => logs.records().some((record) => String(record.msg).startsWith('live-event log: following stopped')), { timeoutMs: 5000 })
  await eventLog.close()
  redis.resume()
  const admin = new Redis(redis.url)
  t.teardown(() => admin.disconnect())
  await sleep(500)
  t.notMatch(await admin.client('LIST'), /name=bff-live-events/)
})

t.test('a REDIS_URL that cannot be reached stops the start', async (t) => {
  const redis = await startRedis(t)
  await redis.stop()
  await t.rejects(createRedisEventLog(redis.url, createLogger('silent', captureLogs().stream)))
})
