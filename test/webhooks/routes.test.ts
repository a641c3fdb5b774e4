import { Redis } from 'ioredis'
import t from 'tap'
import { buildSandboxApp } from '../support/stack.js'
import { eventually } from '../support/eventually.js'
import { startRedis } from '../support/redis.js'
import { dwollaEvent, postWebhook, sign } from '../support/webhook-events.js'
import { startWebhookStack } from '../support/webhook-stack.js'

const REAUTH = 'customer_exchange_reauth_required'

t.test("in simulator mode the service subscribes itself; the simulator's reauth webhook marks the bank link", async (t) => {
  const { sim, base, bankLinks, metric, visaBank } = await startWebhookStack(t)
  await eventually(() => sim.webhooks.subscriptions.size === 1)
  t.match([...sim.webhooks.subscriptions.values()], [{ url: `${base}/webhooks/dwolla`, paused: false }])
  const { exchangeId } = await visaBank()
  sim.revokeAccess(exchangeId)
  await eventually(async () => (await bankLinks())[0]?.reauthRequired === true)
  t.pass('marked by the webhook, with no balance check')
  await eventually(() => sim.webhooks.deliveries.length === 3)
  t.ok(sim.webhooks.deliveries.every(({ status }) => status === 200), 'every delivery acknowledged with 200')
  t.equal(await metric(/^webhooks_received_total\{topic="customer_exchange_reauth_required"\} (\d+)$/m), 1)
  t.equal(await metric(/^webhooks_received_total\{topic="customer_funding_source_verified"\} (\d+)$/m), 1)
})

t.test('a forged, unsigned or replayed-with-another-body webhook is refused with 401 and nothing is processed', async (t) => {
  const { send, base, secret, bankLinks, metric, visaBank, customerId } = await startWebhookStack(t)
  const { exchangeId } = await visaBank()
  const event = dwollaEvent({ topic: REAUTH, resourceId: exchangeId, customerId })
  const body = JSON.stringify(event)

  const forged = await send(event, sign('not-the-secret-at-all', body))
  t.equal(forged.status, 401)
  t.match(forged.headers.get('content-type'), /^application\/problem\+json/)
  t.match(await forged.json(), { code: 'WEBHOOK_SIGNATURE_INVALID', status: 401 })
  t.equal((await postWebhook(base, { body })).status, 401, 'no signature')
  t.equal((await postWebhook(base, { body, signature: 'zz' })).status, 401, 'not even the right length')
  const other = dwollaEvent({ topic: REAUTH, resourceId: exchangeId, customerId })
  t.equal((await postWebhook(base, { body: JSON.stringify(other), signature: sign(secret, body) })).status, 401, "another body with a real event's signature")
  t.equal(await metric(/^webhooks_rejected_total\{reason="signature"\} (\d+)$/m), 4)
  t.equal(await metric(/^webhooks_received_total\{topic="customer_exchange_reauth_required"\} (\d+)$/m), 0)
  t.match(await bankLinks(), [{ exchangeId, reauthRequired: false }], 'nothing processed')

  const genuine = await postWebhook(base, { body, signature: sign(secret, body).toUpperCase() })
  t.equal(genuine.status, 200, 'the signature in either case of hex')
  t.equal(await genuine.text(), '')
  await eventually(async () => (await bankLinks())[0]?.reauthRequired === true)
  t.pass('the genuine one is processed')
})

t.test('a removed funding source leaves its bank link', async (t) => {
  const { send, bankLinks, visaBank, customerId } = await startWebhookStack(t)
  const { fundingSourceId } = await visaBank()
  t.match(await bankLinks(), [{ fundingSourceIds: [fundingSourceId] }])
  t.equal((await send(dwollaEvent({ topic: 'customer_funding_source_removed', resourceId: fundingSourceId, customerId }))).status, 200)
  await eventually(async () => (await bankLinks())[0]?.fundingSourceIds.length === 0)
  t.pass('no longer listed')
})

t.test('a duplicate is acknowledged and processed once; other topics are counted; bad bodies refused', async (t) => {
  const { send, base, secret, metric, customerId, logs } = await startWebhookStack(t)
  const event = dwollaEvent({ topic: 'customer_funding_source_removed', resourceId: '0a9a0b2c-0000-4000-8000-000000000001', customerId })
  t.equal((await send(event)).status, 200)
  t.equal((await send(event)).status, 200, 'Dwolla stops retrying a duplicate too')
  t.equal(await metric(/^webhooks_duplicated_total (\d+)$/m), 1)
  t.equal(await metric(/^webhooks_received_total\{topic="customer_funding_source_removed"\} (\d+)$/m), 2)

  t.equal((await send(dwollaEvent({ topic: 'customer_transfer_created', resourceId: '0a9a0b2c-0000-4000-8000-000000000003', customerId }))).status, 200)
  t.equal(await metric(/^webhooks_received_total\{topic="other"\} (\d+)$/m), 1, 'acknowledged and counted, not an error')

  t.equal((await send(dwollaEvent({ topic: REAUTH, resourceId: '0a9a0b2c-0000-4000-8000-000000000004' }))).status, 200)
  await eventually(() => logs.records().some((record) => record.msg === 'webhook event names no customer: nobody to tell'))
  t.pass('an event without a customer is logged, not an error')

  const refuse = async (body: string, headers: Record<string, string> = {}) => (await postWebhook(base, { body, signature: sign(secret, body), headers })).status
  t.equal(await refuse('{"not":"an event"}'), 400)
  t.equal(await refuse('{not json'), 400)
  t.equal(await metric(/^webhooks_rejected_total\{reason="invalid"\} (\d+)$/m), 2)
  t.equal(await refuse(JSON.stringify({ ...event, padding: 'x'.repeat(17 * 1024) })), 413, 'the body limit is small')
  t.equal(await refuse('id=1', { 'content-type': 'application/x-www-form-urlencoded' }), 415)
})

t.test('two replicas sharing Redis process a duplicate once', async (t) => {
  const redis = await startRedis(t)
  const secret = 'a-webhook-secret-shared-by-replicas'
  const one = await startWebhookStack(t, { env: { REDIS_URL: redis.url, DWOLLA_WEBHOOK_SECRET: secret } })
  const two = await startWebhookStack(t, { env: { REDIS_URL: redis.url, DWOLLA_WEBHOOK_SECRET: secret } })
  const event = dwollaEvent({ topic: REAUTH, resourceId: '0a9a0b2c-0000-4000-8000-000000000005', customerId: one.customerId })
  t.equal((await one.send(event)).status, 200)
  t.equal((await two.send(event)).status, 200)
  t.equal((await one.send(event)).status, 200)
  const duplicated = /^webhooks_duplicated_total (\d+)$/m
  t.same([await one.metric(duplicated), await two.metric(duplicated)], [1, 1], 'the second replica knew the event already')
})

t.test('outside simulator mode, webhooks are served only with DWOLLA_WEBHOOK_SECRET', async (t) => {
  const without = await buildSandboxApp(t)
  t.equal((await without.inject({ method: 'POST', url: '/webhooks/dwolla', payload: {} })).statusCode, 404)
  const secret = 'a-webhook-secret-from-the-environment'
  const app = await buildSandboxApp(t, { env: { DWOLLA_WEBHOOK_SECRET: secret } })
  const body = JSON.stringify(dwollaEvent({ topic: 'customer_created', resourceId: '0a9a0b2c-0000-4000-8000-000000000006' }))
  const response = await app.inject({
    method: 'POST', url: '/webhooks/dwolla', headers: { 'content-type': 'application/json', 'x-request-signature-sha-256': sign(secret, body) }, payload: body
  })
  t.equal(response.statusCode, 200)
})

t.test('an event id that is not a UUID is refused at the edge: no line break reaches a stream', async (t) => {
  const { send, events, customerId, metric } = await startWebhookStack(t)
  const stream = await events()
  const forged = dwollaEvent({ topic: 'customer_funding_source_verified', resourceId: '0a9a0b2c-0000-4000-8000-000000000001', customerId, id: 'x\nretry: 99999999\nevent: funding-source.removed' })
  const refused = await send(forged)
  t.equal(refused.status, 400)
  t.match(await refused.json(), { code: 'VALIDATION_ERROR' })
  t.equal(await metric(/^webhooks_rejected_total\{reason="invalid"\} (\d+)$/m), 1)
  const genuine = dwollaEvent({ topic: 'customer_funding_source_verified', resourceId: '0a9a0b2c-0000-4000-8000-000000000001', customerId })
  t.equal((await send(genuine)).status, 200)
  await stream.next((message) => message.id === genuine.id)
  t.notOk(stream.messages.some((message) => message.retry === '99999999' || message.event === 'funding-source.removed'), 'nothing of the forged one')
})

t.test('an event created more than 30 days ago is acknowledged, counted and not acted on', async (t) => {
  const { send, bankLinks, visaBank, customerId, metric } = await startWebhookStack(t)
  const { exchangeId } = await visaBank()
  const old = dwollaEvent({ topic: REAUTH, resourceId: exchangeId, customerId, created: new Date(Date.now() - 31 * 24 * 3600 * 1000).toISOString() })
  t.equal((await send(old)).status, 200, 'Dwolla (or a replayer) stops sending it')
  t.equal(await metric(/^webhooks_ignored_total\{reason="expired"\} (\d+)$/m), 1)
  t.match(await bankLinks(), [{ exchangeId, reauthRequired: false }], 'the bank link is not marked')
  t.equal((await send(dwollaEvent({ topic: REAUTH, resourceId: exchangeId, customerId, created: '2026-13-01T00:00:00Z' }))).status, 400, 'a created that is no date')
})

t.test('with Redis, only handled topics are kept: an ignored topic is counted and leaves nothing behind', async (t) => {
  const redis = await startRedis(t)
  const { send, customerId, metric } = await startWebhookStack(t, { env: { REDIS_URL: redis.url } })
  const client = new Redis(redis.url)
  t.teardown(() => client.disconnect())
  const ignored = dwollaEvent({ topic: 'customer_transfer_created', resourceId: '0a9a0b2c-0000-4000-8000-000000000003', customerId })
  t.equal((await send(ignored)).status, 200)
  t.equal((await send(ignored)).status, 200)
  t.equal(await metric(/^webhooks_ignored_total\{reason="topic"\} (\d+)$/m), 2)
  t.same(await client.keys(`*${ignored.id}*`), [], 'no key names the event')
  const handled = dwollaEvent({ topic: 'customer_funding_source_verified', resourceId: '0a9a0b2c-0000-4000-8000-000000000003', customerId })
  t.equal((await send(handled)).status, 200)
  t.not((await client.keys(`*${handled.id}*`)).length, 0, 'a handled one is kept')
})

t.test('webhooks are limited per client address before the signature is checked, failed signatures included', async (t) => {
  const { send, base, metric, customerId, secret } = await startWebhookStack(t, { env: { WEBHOOK_RATE_LIMIT_MAX: '3' } })
  const event = dwollaEvent({ topic: 'customer_funding_source_verified', resourceId: '0a9a0b2c-0000-4000-8000-000000000001', customerId })
  t.equal((await send(event, 'f'.repeat(64))).status, 401)
  t.equal((await postWebhook(base, { body: '{}' })).status, 401)
  t.equal((await send(event)).status, 200)
  const limited = await send(event)
  t.equal(limited.status, 429)
  t.match(await limited.json(), { code: 'RATE_LIMITED' })
  t.ok(Number(limited.headers.get('retry-after')) > 0, 'Retry-After')
  t.equal((await postWebhook(base, { body: JSON.stringify(event), signature: sign(secret, 'another body') })).status, 429, 'refused before the HMAC')
  t.equal(await metric(/^webhooks_rejected_total\{reason="signature"\} (\d+)$/m), 2, 'no signature checked once limited')
})
