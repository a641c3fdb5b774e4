import t, { type Test } from 'tap'
import { startRedis } from '../auth/redis.js'
import { hsEnv, token } from '../auth/tokens.js'
import { startStack } from '../helpers.js'
import { json, partnerFlows } from '../partner-flows.js'
import { dwollaEvent, postWebhook, sign } from '../webhooks/events.js'
import { openStream } from './stream.js'

async function listening (t: Test, env: NodeJS.ProcessEnv = {}) {
  const stack = await startStack(t, env, undefined, { subscribeWebhooks: true })
  const base = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  const secret = stack.config.webhookSecret as string
  const send = (event: object) => {
    const body = JSON.stringify(event)
    return postWebhook(base, body, sign(secret, body))
  }
  const events = (customer = stack.customerId, headers: Record<string, string> = {}) => {
    return openStream(`${base}/v1/customers/${customer}/events`, headers).then((stream) => {
      t.teardown(stream.close)
      return stream
    })
  }
  const metric = async (line: RegExp) => Number(line.exec(await (await fetch(`${base}/metrics`)).text())?.[1])
  return { ...stack, base, send, events, metric }
}

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
  const one = dwollaEvent('customer_funding_source_added', '0a9a0b2c-0000-4000-8000-000000000001', customerId)
  const two = dwollaEvent('customer_funding_source_removed', '0a9a0b2c-0000-4000-8000-000000000001', customerId)
  await send(one)
  await first.next((message) => message.id === one.id)
  first.close()
  await send(two)
  const resumed = await events(customerId, { 'last-event-id': one.id })
  const replayed = await resumed.next((message) => message.id !== undefined)
  t.match(replayed, { id: two.id, event: 'funding-source.removed' }, 'the missed one, not the one seen')
  const unknown = await events(customerId, { 'last-event-id': 'an-id-never-sent' })
  await unknown.next((message) => message.retry !== undefined)
  const fresh = await events()
  await send(dwollaEvent('customer_funding_source_verified', '0a9a0b2c-0000-4000-8000-000000000001', customerId))
  await fresh.next((message) => message.event === 'funding-source.verified')
  t.notOk(unknown.messages.some((message) => message.id === one.id || message.id === two.id), 'an unknown id replays nothing')
  t.notOk(other.messages.some((message) => message.id !== undefined), "another customer's stream hears nothing")
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

t.test('shutdown ends the open streams at once', async (t) => {
  const { app, events } = await listening(t, { SHUTDOWN_GRACE_MS: '60000' })
  const stream = await events()
  await stream.next(() => true)
  await app.close()
  await stream.reading
  t.ok(stream.ended(), 'the stream ended, and closing did not wait for it')
})

t.test('two replicas sharing Redis: a webhook received by one reaches a stream held by the other within a second', async (t) => {
  const redis = await startRedis(t)
  const secret = 'a-webhook-secret-shared-by-replicas'
  const receiver = await listening(t, { REDIS_URL: redis.url, DWOLLA_WEBHOOK_SECRET: secret })
  const holder = await listening(t, { REDIS_URL: redis.url, DWOLLA_WEBHOOK_SECRET: secret })
  const stream = await holder.events(receiver.customerId)
  await stream.next((message) => message.retry !== undefined)
  const event = dwollaEvent('customer_exchange_reauth_required', '0a9a0b2c-0000-4000-8000-000000000007', receiver.customerId)
  const sent = performance.now()
  t.equal((await receiver.send(event)).status, 200)
  const arrived = await stream.next((message) => message.id === event.id, 1000)
  t.comment(`webhook on one replica → event on the other's stream: ${(performance.now() - sent).toFixed(1)} ms`)
  t.match(arrived, { event: 'bank-link.reauth-required', data: /"exchangeId":"0a9a0b2c-0000-4000-8000-000000000007"/ })
  t.equal((await receiver.send(event)).status, 200)
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(stream.messages.filter((message) => message.id === event.id).length, 1, 'a duplicate to either replica is not told twice')
})
