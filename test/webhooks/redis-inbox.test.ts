import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { startRedis } from '../support/redis.js'
import { captureLogs } from '../support/logs.js'
import { eventually } from '../support/eventually.js'
import { createLogger } from '../../src/logger.js'
import { createMetrics } from '../../src/metrics/registry.js'
import { createRedisInbox, openDeadLetters } from '../../src/webhooks/redis-inbox.js'
import { dwollaEvent } from '../support/webhook-events.js'
import { startWebhookStack } from '../support/webhook-stack.js'

const REAUTH = 'customer_exchange_reauth_required'
const DEAD_LETTERED = /^webhooks_dead_lettered_total (\d+)$/m

/** A plain connection to the test's Redis, as an operator's redis-cli. */
function redisClient (t: Test, url: string) {
  const client = new Redis(url, { maxRetriesPerRequest: 0 })
  t.teardown(() => client.disconnect())
  return client
}

// The first command naming the event is the inbox's look-up (the add then fails: 503); stalled on the add itself, it is kept (200).
for (const [stallOn, names] of [['its look-up', (line: string, event: { id: string }) => line.includes(event.id)],
  ['its write', (line: string, event: { resourceId: string }) => line.includes(event.resourceId)]] as const) {
  t.test(`Redis stalls right after the service's first command about an event (${stallOn}): the event is processed once`, async (t) => {
    const redis = await startRedis(t)
    const stack = await startWebhookStack(t, { env: { REDIS_URL: redis.url } })
    const { exchangeId } = await stack.visaBank()
    const stream = await stack.events()
    const event = dwollaEvent({ topic: REAUTH, resourceId: exchangeId, customerId: stack.customerId })
    // Redis stops answering (SIGSTOP) as soon as redis-cli's MONITOR shows the command, and resumes 3 s later.
    const monitor = spawn('redis-cli', ['-u', redis.url, 'monitor'])
    t.teardown(() => { monitor.kill() })
    let stalled = false
    createInterface({ input: monitor.stdout }).on('line', (line) => {
      if (stalled || !names(line, event)) return
      stalled = true
      redis.pause()
      setTimeout(redis.resume, 3000)
    })
    await once(monitor.stdout, 'data')
    const answers: number[] = []
    // Dwolla sends again whatever was not answered 2xx.
    for (;;) {
      const started = performance.now()
      const response = await stack.send(event)
      t.ok(performance.now() - started < 10_000, 'answered within Dwolla\'s 10 s')
      answers.push(response.status)
      if (response.ok) break
      t.equal(response.status, 503)
      t.match(await response.json(), { code: 'WEBHOOK_NOT_STORED' })
      await sleep(500)
    }
    // MONITOR's line may come after the answer: the stall then falls during the work.
    await eventually(() => stalled)
    t.comment(`answers: ${answers.join(', ')}`)
    await stream.next((message) => message.id === event.id, 30_000)
    await eventually(async () => (await stack.bankLinks())[0]?.reauthRequired === true, { timeoutMs: 30_000 })
    t.equal(stream.messages.filter((message) => message.id === event.id).length, 1, 'the stream heard it once')
    t.equal((await stack.send(event)).status, 200, 'a later redelivery is acknowledged')
    await sleep(500)
    t.equal(stream.messages.filter((message) => message.id === event.id).length, 1, 'and not processed again')
  })
}

t.test('a poison event ends as a dead letter after its tries without delaying the events after it; replay works', async (t) => {
  const redis = await startRedis(t)
  const stack = await startWebhookStack(t, { env: { REDIS_URL: redis.url }, adjust: (config) => ({ ...config, webhookInbox: { attempts: 3, backoffMs: 1500, leaseMs: 5000 } }) })
  const { exchangeId, fundingSourceId } = await stack.visaBank()
  const stream = await stack.events()
  // The exchange's funding-source set overwritten with a string: removing from it fails with WRONGTYPE every time.
  const client = redisClient(t, redis.url)
  const setKey = `bff:exchange-funding-sources:${exchangeId}`
  await client.set(setKey, 'not a set')
  const poison = dwollaEvent({ topic: 'customer_funding_source_removed', resourceId: fundingSourceId, customerId: stack.customerId })
  t.equal((await stack.send(poison)).status, 200)
  const after = Array.from({ length: 5 }, () => dwollaEvent({ topic: 'customer_funding_source_verified', resourceId: randomUUID(), customerId: stack.customerId }))
  t.same(await Promise.all(after.map(async (event) => (await stack.send(event)).status)), [200, 200, 200, 200, 200])
  for (const event of after) await stream.next((message) => message.id === event.id, 20_000)
  t.equal(await stack.metric(DEAD_LETTERED), 0, 'the events after it were processed while it was still being retried')

  await eventually(async () => await stack.metric(DEAD_LETTERED) === 1, { timeoutMs: 60_000 })
  t.match(stack.logs.records().find((record) => String(record.msg).startsWith('webhook event processing failed on its last try')), {
    level: 50, eventId: poison.id, topic: 'customer_funding_source_removed', tries: 3, err: { message: /WRONGTYPE/ }
  })
  const deadLetters = openDeadLetters(redis.url)
  t.teardown(() => deadLetters.close())
  t.match(await deadLetters.list(), [{ id: poison.id, topic: 'customer_funding_source_removed', tries: 3, lastError: /WRONGTYPE/ }])
  t.notOk(stream.messages.some((message) => message.id === poison.id), 'nothing told of it')

  // Mended, and replayed by an operator.
  await client.del(setKey)
  await client.sadd(setKey, fundingSourceId)
  t.ok(await deadLetters.replay(poison.id))
  await stream.next((message) => message.id === poison.id, 20_000)
  t.match(await stack.bankLinks(), [{ exchangeId, fundingSourceIds: [] }])
  t.same(await deadLetters.list(), [])
})

t.test('a re-auth created before the last successful balance check does not mark the bank link again', async (t) => {
  const stack = await startWebhookStack(t)
  const { exchangeId, fundingSourceId } = await stack.visaBank()
  const stream = await stack.events()
  const lateReauth = dwollaEvent({ topic: REAUTH, resourceId: exchangeId, customerId: stack.customerId, id: randomUUID(), created: new Date(Date.now() - 60_000).toISOString() })
  // A balance check succeeds: the moment the exchange's mark is cleared.
  const balance = await stack.app.inject({ method: 'GET', url: `/v1/customers/${stack.customerId}/funding-sources/${fundingSourceId}/balance` })
  t.equal(balance.statusCode, 200)

  t.equal((await stack.send(lateReauth)).status, 200, 'arrives late, created before the check')
  t.match(await stack.bankLinks(), [{ exchangeId, reauthRequired: false }], 'not marked again')
  const fresh = dwollaEvent({ topic: REAUTH, resourceId: exchangeId, customerId: stack.customerId })
  t.equal((await stack.send(fresh)).status, 200)
  t.match(await stack.bankLinks(), [{ exchangeId, reauthRequired: true }], 'one created after the check marks it')
  await stream.next((message) => message.id === fresh.id)
  t.notOk(stream.messages.some((message) => message.id === lateReauth.id), 'the late one told nobody')
})

t.test("a funding source's removal and addition are applied by when Dwolla created them, not by arrival", async (t) => {
  const stack = await startWebhookStack(t)
  const { exchangeId, fundingSourceId } = await stack.visaBank()
  const stream = await stack.events()
  const addedAt = new Date(Date.now() - 60_000).toISOString()
  const added = dwollaEvent({ topic: 'customer_funding_source_added', resourceId: fundingSourceId, customerId: stack.customerId, id: randomUUID(), created: addedAt })
  const removed = dwollaEvent({ topic: 'customer_funding_source_removed', resourceId: fundingSourceId, customerId: stack.customerId })
  t.equal((await stack.send(removed)).status, 200, 'the removal arrives first')
  t.equal((await stack.send(added)).status, 200, 'the addition, created before it, arrives after')
  t.match(await stack.bankLinks(), [{ exchangeId, fundingSourceIds: [] }], 'the removal stands')
  await stream.next((message) => message.id === removed.id)
  t.notOk(stream.messages.some((message) => message.id === added.id), 'the app is not told of an addition already undone')
})

t.test('a shutdown while Redis is stalled ends within its deadline; the work it held is taken over', async (t) => {
  const redis = await startRedis(t)
  const done: string[] = []
  const tuning = { attempts: 3, backoffMs: 100, leaseMs: 2000 }
  const options = { log: createLogger('silent', captureLogs().stream), metrics: createMetrics().webhooks, tuning }
  let started!: () => void
  const working = new Promise<void>((resolve) => { started = resolve })
  // The first replica never finishes its work: it is shut down in the middle of it.
  const first = await createRedisInbox(redis.url, async () => { started(); await new Promise(() => {}) }, options)
  const event = dwollaEvent({ topic: 'customer_funding_source_verified', resourceId: randomUUID(), customerId: randomUUID() })
  t.equal(await first.accept(event), 'accepted')
  await working
  redis.pause()
  const closing = performance.now()
  await first.close()
  t.ok(performance.now() - closing < 5000, 'closed within its deadline')
  redis.resume()
  const second = await createRedisInbox(redis.url, async ({ id }) => { done.push(id) }, options)
  t.teardown(() => second.close())
  await eventually(() => done.length === 1, { timeoutMs: 30_000 })
  t.same(done, [event.id], 'taken over once the lease lapsed')
})

t.test('the inbox keeps and works events again once a restarted Redis is back', async (t) => {
  const redis = await startRedis(t)
  const done: string[] = []
  const inbox = await createRedisInbox(redis.url, async (event) => { done.push(event.id) }, {
    log: createLogger('silent', captureLogs().stream), metrics: createMetrics().webhooks, tuning: { attempts: 3, backoffMs: 100, leaseMs: 2000 }
  })
  t.teardown(() => inbox.close())
  await redis.stop()
  const event = dwollaEvent({ topic: 'customer_funding_source_verified', resourceId: randomUUID(), customerId: randomUUID() })
  await t.rejects(inbox.accept(event), 'not kept while Redis is down: the route answers 503')
  await redis.restart()
  // Sent again until kept, as Dwolla does.
  await eventually(async () => await inbox.accept(event).then(() => true, () => false), { timeoutMs: 20_000 })
  await eventually(() => done.includes(event.id), { timeoutMs: 20_000 })
  t.pass('kept and worked after the restart, by the same worker')
})

t.test('a job in the queue that is not an event, written there by whoever reaches Redis, ends as a counted dead letter', async (t) => {
  const redis = await startRedis(t)
  const logs = captureLogs()
  const metrics = createMetrics()
  const inbox = await createRedisInbox(redis.url, async (event) => { if (typeof event?.id !== 'string') throw new TypeError('not an event') }, {
    log: createLogger('info', logs.stream), metrics: metrics.webhooks, tuning: { attempts: 2, backoffMs: 50, leaseMs: 2000 }
  })
  t.teardown(() => inbox.close())
  const junk = new Queue('bff-webhook-events', { connection: { url: redis.url } })
  t.teardown(() => junk.close())
  await junk.add('customer_funding_source_removed', null, { jobId: 'junk-1', attempts: 2 })
  const deadLetters = openDeadLetters(redis.url)
  t.teardown(() => deadLetters.close())
  await eventually(async () => (await deadLetters.list()).length === 1)
  t.match(await deadLetters.list(), [{ id: 'junk-1', topic: 'customer_funding_source_removed', tries: 2, lastError: 'not an event' }], 'listed, the command does not fail on it')
  await eventually(async () => /^webhooks_dead_lettered_total 1$/m.test(await metrics.registry.metrics()))
  t.match(logs.records().filter(({ level }) => level === 50), [{ eventId: 'junk-1', topic: 'customer_funding_source_removed', tries: 2 }])
})
