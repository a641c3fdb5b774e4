import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { connect, type AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import Fastify from 'fastify'
import t, { type Test } from 'tap'
import { createLiveEvents } from '../../src/live-events/hub.js'
import { liveEventRoutes } from '../../src/live-events/routes.js'
import { createLogger } from '../../src/logger.js'
import { createMetrics } from '../../src/metrics/registry.js'
import { registerProblemHandlers } from '../../src/problems.js'
import { createMemoryEventLog } from '../../src/shared-event-log.js'
import { startRedis } from '../support/redis.js'
import { hsEnv, token } from '../support/tokens.js'
import { captureLogs } from '../support/logs.js'
import { eventually } from '../support/eventually.js'
import { startStack } from '../support/stack.js'
import { json, partnerFlows } from '../support/partner-flows.js'
import { dwollaEvent, postWebhook, sign } from '../support/webhook-events.js'
import { openStream } from '../support/event-stream.js'

async function listening (t: Test, env: NodeJS.ProcessEnv = {}) {
  const stack = await startStack(t, { env, subscribeWebhooks: true })
  const base = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  const secret = stack.config.webhookSecret as string
  const send = (event: object) => {
    const body = JSON.stringify(event)
    return postWebhook(base, { body, signature: sign(secret, body) })
  }
  const events = (customer = stack.customerId, headers: Record<string, string> = {}) => {
    return openStream(`${base}/v1/customers/${customer}/events`, { headers }).then((stream) => {
      t.teardown(stream.close)
      return stream
    })
  }
  const metric = async (line: RegExp) => Number(line.exec(await (await fetch(`${base}/metrics`)).text())?.[1])
  return { ...stack, base, send, events, metric }
}

setFlagsFromString('--expose-gc')
/** A full collection, so the heap measured is what is held. */
const gc = runInNewContext('gc') as () => void

const OPEN_STREAMS = /^live_event_streams_open (\d+)$/m

t.test("Revoke access at the bank reaches the app's open stream as bank-link.reauth-required", async (t) => {
  const stack = await listening(t)
  const { app, sim, customerId, events } = stack
  const stream = await events()
  t.equal(stream.response.status, 200)
  t.equal(stream.response.headers.get('content-type'), 'text/event-stream; charset=utf-8')
  t.equal(stream.response.headers.get('cache-control'), 'no-store')
  t.same(await stream.next(() => true), { retry: '2000' }, 'the reconnection delay first')

  const exchangeId = await partnerFlows(stack).visaExchange()
  const created = await app.inject({
    method: 'POST', url: `/v1/customers/${customerId}/funding-sources`, ...json({ partner: 'visa', exchangeId, name: 'Checking', bankAccountType: 'checking' })
  })
  const { fundingSourceId } = created.json()
  const verified = await stream.next((message) => message.event === 'funding-source.verified')
  t.match(JSON.parse(verified.data as string), { fundingSourceId, occurredAt: String })
  await stream.next((message) => message.event === 'funding-source.added')

  const revoked = performance.now()
  sim.revokeAccess(exchangeId)
  const reauth = await stream.next((message) => message.event === 'bank-link.reauth-required')
  t.comment(`Revoke access → event on the stream: ${(performance.now() - revoked).toFixed(1)} ms`)
  t.match(reauth, { id: /^[0-9a-f-]{36}$/, event: 'bank-link.reauth-required' })
  t.same(Object.keys(JSON.parse(reauth.data as string)).sort(), ['exchangeId', 'occurredAt'])
  t.equal(JSON.parse(reauth.data as string).exchangeId, exchangeId)
})

t.test('ids let a reconnecting client resume after the last event it saw; other customers hear nothing', async (t) => {
  const { send, events, customerId, sim } = await listening(t)
  const first = await events()
  const other = await events(sim.createCustomer())
  const one = dwollaEvent({ topic: 'customer_funding_source_added', resourceId: '0a9a0b2c-0000-4000-8000-000000000001', customerId })
  const two = dwollaEvent({ topic: 'customer_funding_source_removed', resourceId: '0a9a0b2c-0000-4000-8000-000000000001', customerId })
  await send(one)
  await first.next((message) => message.id === one.id)
  first.close()
  await send(two)
  const resumed = await events(customerId, { 'last-event-id': one.id })
  const replayed = await resumed.next((message) => message.id !== undefined)
  t.match(replayed, { id: two.id, event: 'funding-source.removed' }, 'the missed one, not the one seen')
  const unknown = await events(customerId, { 'last-event-id': 'an-id-never-sent' })
  t.same(await unknown.next((message) => message.event !== undefined), { id: two.id, event: 'resync', data: '{}' },
    'an unknown id is told to resync, from the newest event kept')
  const fresh = await events()
  await send(dwollaEvent({ topic: 'customer_funding_source_verified', resourceId: '0a9a0b2c-0000-4000-8000-000000000001', customerId }))
  await fresh.next((message) => message.event === 'funding-source.verified')
  t.notOk(unknown.messages.some((message) => message.event?.startsWith('funding-source.') && (message.id === one.id || message.id === two.id)), 'an unknown id replays nothing')
  t.notOk(other.messages.some((message) => message.id !== undefined), "another customer's stream hears nothing")
  const nothingKept = await events(sim.createCustomer(), { 'last-event-id': one.id })
  t.same(await nothingKept.next((message) => message.event !== undefined), { id: '', event: 'resync', data: '{}' },
    "another customer's id is unknown here; with nothing kept, the id is emptied so the next reconnection sends none")
})

t.test('heartbeats keep an idle stream alive through proxies', async (t) => {
  const { events } = await listening(t, { EVENTS_HEARTBEAT_SECONDS: '1' })
  const stream = await events()
  t.same(await stream.next((message) => message.comment !== undefined, 3000), { comment: 'heartbeat' })
})

t.test('a caller may hold a few streams; the open ones are counted', async (t) => {
  const { events, metric } = await listening(t, { EVENTS_MAX_STREAMS_PER_CALLER: '2' })
  const one = await events()
  const two = await events()
  const three = await events()
  t.equal(three.response.status, 429)
  t.match(await three.response.json(), { code: 'TOO_MANY_STREAMS', status: 429 })
  t.equal(await metric(OPEN_STREAMS), 2)
  one.close()
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(await metric(OPEN_STREAMS), 1)
  t.equal((await events()).response.status, 200, 'room again once one closed')
  two.close()
})

t.test('the caller guard applies: a token for this customer only', async (t) => {
  const { events, customerId, sim } = await listening(t, hsEnv)
  t.equal((await events()).response.status, 401)
  t.equal((await events(customerId, { authorization: `Bearer ${token(sim.createCustomer())}` })).response.status, 403)
  const stream = await events(customerId, { authorization: `Bearer ${token(customerId)}` })
  t.equal(stream.response.status, 200)
})

t.test('shutdown ends the open streams at once, asking the apps to reconnect promptly', async (t) => {
  const { app, events } = await listening(t, { SHUTDOWN_GRACE_MS: '60000' })
  const stream = await events()
  await stream.next(() => true)
  await app.close()
  await stream.reading
  t.ok(stream.ended(), 'the stream ended, and closing did not wait for it')
  t.equal(stream.messages.length, 2)
  t.ok(Number(stream.messages[1]?.retry) < 1000, `the last word is a short reconnection delay: ${stream.messages[1]?.retry} ms`)
})

t.test('a replica at its cap of streams refuses more with 503 and Retry-After; probes and the API still answer', async (t) => {
  const { events, base, customerId } = await listening(t, { MAX_CONNECTIONS: '8', EVENTS_MAX_STREAMS: '5', EVENTS_MAX_STREAMS_PER_CALLER: '10' })
  const held = []
  for (let index = 0; index < 5; index++) held.push(await events())
  t.same(held.map((stream) => stream.response.status), [200, 200, 200, 200, 200])
  const refused = await events()
  t.equal(refused.response.status, 503)
  t.equal(refused.response.headers.get('retry-after'), '5')
  t.match(await refused.response.json(), { code: 'STREAMS_AT_CAPACITY', status: 503 })
  for (let index = 0; index < 3; index++) {
    t.equal((await fetch(`${base}/health/live`)).status, 200, 'the probe answers')
    t.equal((await fetch(`${base}/v1/customers/${customerId}/bank-links`)).status, 200, 'the API answers')
  }
  held[0]?.close()
  await eventually(async () => (await events()).response.status === 200)
})

t.test('a client that leaves while its stream is being admitted (Redis stalled) gives its slot back', async (t) => {
  const redis = await startRedis(t)
  const { base, customerId, events, metric } = await listening(t, { REDIS_URL: redis.url, EVENTS_MAX_STREAMS_PER_CALLER: '2' })
  redis.pause()
  t.teardown(redis.resume)
  for (let index = 0; index < 3; index++) {
    const leaving = new AbortController()
    const opening = fetch(`${base}/v1/customers/${customerId}/events`, { signal: leaving.signal }).catch(() => undefined)
    await sleep(100)
    leaving.abort()
    await opening
  }
  // Past the rate limit's deadline for every one of them: each was admitted after its client left.
  await sleep(1500)
  redis.resume()
  t.equal(await metric(OPEN_STREAMS), 0, 'no stream counted')
  t.same([(await events()).response.status, (await events()).response.status], [200, 200], "the caller's slots are all free")
})

t.test("a stream ends when its caller's token expires", async (t) => {
  const { events, customerId } = await listening(t, hsEnv)
  const stream = await events(customerId, { authorization: `Bearer ${token(customerId, { expiresIn: 1500 })}` })
  t.equal(stream.response.status, 200)
  const opened = performance.now()
  await Promise.race([stream.reading, sleep(10_000)])
  t.ok(stream.ended(), `ended ${Math.round(performance.now() - opened)} ms after it opened`)
})

t.test('an event id with a line break writes no field of its own into a stream', async (t) => {
  const { send, events, customerId } = await listening(t)
  const stream = await events()
  await stream.next((message) => message.retry !== undefined)
  const forged = dwollaEvent({ topic: 'customer_funding_source_added', resourceId: 'fs-1', customerId, id: 'x\nretry: 99999999\nevent: funding-source.removed' })
  t.equal((await send(forged)).status, 400, 'refused at the edge: an event id is a UUID')
  const genuine = dwollaEvent({ topic: 'customer_funding_source_verified', resourceId: 'fs-1', customerId })
  await send(genuine)
  await stream.next((message) => message.id === genuine.id)
  t.same(stream.messages.filter((message) => message.retry !== undefined), [{ retry: '2000' }])
  t.notOk(stream.messages.some((message) => message.event === 'funding-source.removed' || message.event === 'funding-source.added'))
})

t.test('a stream whose client does not read is closed once its unsent data passes the bound; memory stays bounded', async (t) => {
  const log = createMemoryEventLog()
  const metrics = createMetrics()
  const liveEvents = await createLiveEvents(log, { log: createLogger('silent', captureLogs().stream), malformed: metrics.liveEventsMalformed })
  const app = Fastify()
  registerProblemHandlers(app)
  t.teardown(() => app.close())
  await app.register(liveEventRoutes, { liveEvents, heartbeatSeconds: 300, maxStreamsPerCaller: 25, maxStreams: 25, liveStreams: metrics.liveStreams })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const customerId = randomUUID()
  const sockets = await Promise.all(Array.from({ length: 25 }, async () => {
    const socket = connect({ port, host: '127.0.0.1' })
    // Never read: what the service sends piles up in the kernel's buffers, then in its own.
    socket.pause()
    socket.write(`GET /v1/customers/${customerId}/events HTTP/1.1\r\nhost: x\r\n\r\n`)
    await once(socket, 'connect')
    let received = 0
    socket.on('data', (chunk: Buffer) => { received += chunk.length })
    return { socket, received: async () => { await once(socket, 'close'); return received } }
  }))
  t.teardown(() => { for (const { socket } of sockets) socket.destroy() })
  await eventually(async () => (await metrics.liveStreams.get()).values[0]?.value === 25)
  gc()
  const heapBefore = process.memoryUsage().heapUsed
  for (let index = 0; index < 20_000; index++) {
    // Events arrive from the network, a batch at a time.
    if (index % 100 === 0) await new Promise(setImmediate)
    await liveEvents.publish(customerId, { id: `event-${index}`, type: 'bank-link.reauth-required', data: { exchangeId: 'e'.repeat(128) }, occurredAt: '2026-11-26T16:00:00.000Z' })
  }
  gc()
  const heapGrowth = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20
  t.comment(`25 streams that never read, 20,000 events of 260 bytes each: heap grew ${heapGrowth.toFixed(1)} MiB`)
  t.ok(heapGrowth < 16, 'far less than what 20,000 events for each of 25 streams take (about 120 MiB)')
  await eventually(async () => (await metrics.liveStreams.get()).values[0]?.value === 0)
  // Read now, each client finds the end of its stream after far less than all of it.
  for (const { socket } of sockets) socket.resume()
  const received = await Promise.all(sockets.map(({ received }) => Promise.race([received(), sleep(10_000).then(() => Infinity)])))
  t.comment(`bytes each client received before its stream ended: at most ${Math.max(...received)}`)
  t.ok(received.every((bytes) => bytes < 20_000 * 260), 'every stream ended before all of it was sent')
})

t.test('two replicas sharing Redis: a webhook received by one reaches a stream held by the other within a second', async (t) => {
  const redis = await startRedis(t)
  const secret = 'a-webhook-secret-shared-by-replicas'
  const receiver = await listening(t, { REDIS_URL: redis.url, DWOLLA_WEBHOOK_SECRET: secret })
  const holder = await listening(t, { REDIS_URL: redis.url, DWOLLA_WEBHOOK_SECRET: secret })
  const stream = await holder.events(receiver.customerId)
  await stream.next((message) => message.retry !== undefined)
  const event = dwollaEvent({ topic: 'customer_exchange_reauth_required', resourceId: '0a9a0b2c-0000-4000-8000-000000000007', customerId: receiver.customerId })
  const sent = performance.now()
  t.equal((await receiver.send(event)).status, 200)
  const arrived = await stream.next((message) => message.id === event.id, 1000)
  t.comment(`webhook on one replica → event on the other's stream: ${(performance.now() - sent).toFixed(1)} ms`)
  t.match(arrived, { event: 'bank-link.reauth-required', data: /"exchangeId":"0a9a0b2c-0000-4000-8000-000000000007"/ })
  t.equal((await receiver.send(event)).status, 200)
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(stream.messages.filter((message) => message.id === event.id).length, 1, 'a duplicate to either replica is not told twice')
})
