import { createHmac } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import t from 'tap'
import { PAUSE_AFTER_FAILURES } from '../../src/simulator/webhooks.js'
import { eventually } from '../support/eventually.js'
import { HAL, accessToken, dwollaHeaders, getHal, idOf, postHal, simulator, visaExchange } from '../support/simulator.js'

const SECRET = 'a-webhook-secret-only-the-app-knows'

interface Received { headers: IncomingHttpHeaders, body: string }

/** A webhook receiver answering the given statuses in turn (then 200), keeping what it got. */
async function receiver (t: Test, statuses: number[] = []) {
  const received: Received[] = []
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => { body += chunk.toString() })
    request.on('end', () => {
      received.push({ headers: request.headers, body })
      response.statusCode = statuses.shift() ?? 200
      response.end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`, received }
}

t.test('webhook subscriptions: created, listed, fetched and removed as Dwolla does', async (t) => {
  const app = await simulator(t)
  const token = await accessToken(app)
  const created = await postHal(app, token, '/webhook-subscriptions', { url: 'https://app.example.com/webhooks', secret: SECRET })
  t.equal(created.statusCode, 201)
  t.equal(created.body, '')
  const location = created.headers.location as string
  t.match(location, /^http:\/\/localhost:80\/webhook-subscriptions\/[0-9a-f-]{36}$/)
  const id = idOf(location)

  const list = await getHal(app, token, '/webhook-subscriptions')
  t.equal(list.statusCode, 200)
  const listed = list.json()
  const subscription = {
    _links: {
      self: { href: location, type: HAL, 'resource-type': 'webhook-subscription' },
      webhooks: { href: `${location}/webhooks`, type: HAL, 'resource-type': 'webhook' }
    },
    id,
    url: 'https://app.example.com/webhooks',
    paused: false,
    created: listed._embedded['webhook-subscriptions'][0].created
  }
  t.same(listed, {
    _links: { self: { href: 'http://localhost:80/webhook-subscriptions', type: HAL, 'resource-type': 'webhook-subscription' } },
    _embedded: { 'webhook-subscriptions': [subscription] },
    total: 1
  })
  t.notOk(list.body.includes(SECRET), 'the secret is never shown again')
  t.same((await getHal(app, token, location)).json(), subscription)

  const removed = await app.inject({ method: 'DELETE', url: `/webhook-subscriptions/${id}`, headers: dwollaHeaders(token) })
  t.equal(removed.statusCode, 200)
  t.same(removed.json(), subscription)
  t.equal((await getHal(app, token, location)).statusCode, 404)
  const again = await app.inject({ method: 'DELETE', url: `/webhook-subscriptions/${id}`, headers: dwollaHeaders(token) })
  t.equal(again.statusCode, 404)
  t.equal((await postHal(app, token, '/webhook-subscriptions', { url: 'ftp://x', secret: SECRET })).statusCode, 400)
})

t.test('a Sandbox account may have ten subscriptions at a time', async (t) => {
  const app = await simulator(t)
  const token = await accessToken(app)
  for (let index = 0; index < 10; index++) {
    t.equal((await postHal(app, token, '/webhook-subscriptions', { url: `https://app.example.com/${index}`, secret: SECRET })).statusCode, 201)
  }
  const refused = await postHal(app, token, '/webhook-subscriptions', { url: 'https://app.example.com/11', secret: SECRET })
  t.equal(refused.statusCode, 400)
  t.same(refused.json(), { code: 'MaxNumberOfResources', message: 'The maximum number of subscriptions has been reached.' })
})

t.test('events reach subscribers signed, with the topic header and the links Dwolla sends', async (t) => {
  const app = await simulator(t)
  const token = await accessToken(app)
  const { url, received } = await receiver(t)
  await postHal(app, token, '/webhook-subscriptions', { url, secret: SECRET })
  const customerId = app.sim.createCustomer()
  const exchangeId = await visaExchange(app, token, customerId)
  const created = await postHal(app, token, `/customers/${customerId}/funding-sources`, {
    _links: { exchange: { href: `http://localhost:80/exchanges/${exchangeId}` } }, bankAccountType: 'checking', name: 'Checking'
  })
  const fundingSourceId = idOf(created.headers.location)
  app.sim.revokeAccess(exchangeId)
  await eventually(() => app.sim.webhooks.deliveries.length === 3)

  const topics = received.map(({ headers }) => headers['x-dwolla-topic']).sort()
  t.same(topics, ['customer_exchange_reauth_required', 'customer_funding_source_added', 'customer_funding_source_verified'])
  for (const { headers, body } of received) {
    t.equal(headers['content-type'], 'application/json')
    t.equal(headers['x-request-signature-sha-256'], createHmac('sha256', SECRET).update(body).digest('hex'), 'HMAC-SHA256 of the raw body')
  }
  const reauth = JSON.parse(received.find(({ headers }) => headers['x-dwolla-topic'] === 'customer_exchange_reauth_required')!.body)
  t.match(reauth, {
    id: /^[0-9a-f-]{36}$/,
    resourceId: exchangeId,
    topic: 'customer_exchange_reauth_required',
    _links: {
      self: { href: `http://localhost:80/events/${reauth.id}` },
      account: { href: /^http:\/\/localhost:80\/accounts\/[0-9a-f-]{36}$/ },
      resource: { href: `http://localhost:80/exchanges/${exchangeId}` },
      customer: { href: `http://localhost:80/customers/${customerId}` }
    }
  })
  t.equal(reauth.timestamp, reauth.created)
  const added = JSON.parse(received.find(({ headers }) => headers['x-dwolla-topic'] === 'customer_funding_source_added')!.body)
  t.match(added, { resourceId: fundingSourceId, _links: { resource: { href: `http://localhost:80/funding-sources/${fundingSourceId}` } } })
  t.same(app.sim.webhooks.deliveries.map(({ status, retry }) => [status, retry]), [[200, 0], [200, 0], [200, 0]])
})

t.test('a failed delivery is retried on the shortened schedule, the same event each time', async (t) => {
  const app = await simulator(t, { webhookRetryScheduleMs: [20, 20] })
  const token = await accessToken(app)
  const { url, received } = await receiver(t, [500, 302])
  await postHal(app, token, '/webhook-subscriptions', { url, secret: SECRET })
  const customerId = app.sim.createCustomer()
  app.sim.revokeAccess(await visaExchange(app, token, customerId))
  await eventually(() => app.sim.webhooks.deliveries.length === 3)
  t.equal(new Set(received.map(({ body }) => body)).size, 1, 'the same event, byte for byte')
  t.same(app.sim.webhooks.deliveries.map(({ status, retry }) => [status, retry]), [[500, 0], [302, 1], [200, 2]], 'a redirect is a failure')
  const [subscription] = app.sim.webhooks.subscriptions.values()
  t.equal(subscription?.consecutiveFailures, 0, 'a success resets the count')
})

t.test('retries stop at the end of the schedule, and when the simulator closes', async (t) => {
  const app = await simulator(t, { webhookRetryScheduleMs: [10, 60_000] })
  const token = await accessToken(app)
  const { url, received } = await receiver(t, [500, 500, 500])
  await postHal(app, token, '/webhook-subscriptions', { url, secret: SECRET })
  app.sim.revokeAccess(await visaExchange(app, token, app.sim.createCustomer()))
  await eventually(() => received.length === 2)
  await app.close()
  t.equal(received.length, 2, 'the pending retry was dropped')

  const once = await simulator(t, { webhookRetryScheduleMs: [] })
  const onceToken = await accessToken(once)
  const failing = await receiver(t, [500])
  await postHal(once, onceToken, '/webhook-subscriptions', { url: failing.url, secret: SECRET })
  once.sim.revokeAccess(await visaExchange(once, onceToken, once.sim.createCustomer()))
  await eventually(() => once.sim.webhooks.deliveries.length === 1)
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(failing.received.length, 1, 'no schedule, no retry')
})

t.test(`a subscription is paused after ${PAUSE_AFTER_FAILURES} consecutive failures, and a removed one is not retried`, async (t) => {
  const app = await simulator(t, { webhookRetryScheduleMs: [] })
  const token = await accessToken(app)
  const { url } = await receiver(t)
  const unreachable = url.replace(/:\d+\//, ':1/')
  const created = await postHal(app, token, '/webhook-subscriptions', { url: unreachable, secret: SECRET })
  const customerId = app.sim.createCustomer()
  const exchangeId = await visaExchange(app, token, customerId)
  for (let index = 0; index < PAUSE_AFTER_FAILURES; index++) app.sim.revokeAccess(exchangeId)
  await eventually(() => app.sim.webhooks.deliveries.length === PAUSE_AFTER_FAILURES)
  t.ok(app.sim.webhooks.deliveries.every(({ status }) => status === 0), 'no answer is a failure')
  t.equal((await getHal(app, token, created.headers.location as string)).json().paused, true)
  app.sim.revokeAccess(exchangeId)
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(app.sim.webhooks.deliveries.length, PAUSE_AFTER_FAILURES, 'nothing is sent while paused')

  const retrying = await simulator(t, { webhookRetryScheduleMs: [30] })
  const retryingToken = await accessToken(retrying)
  const subscription = await postHal(retrying, retryingToken, '/webhook-subscriptions', { url: unreachable, secret: SECRET })
  retrying.sim.revokeAccess(await visaExchange(retrying, retryingToken, retrying.sim.createCustomer()))
  await eventually(() => retrying.sim.webhooks.deliveries.length === 1)
  await retrying.inject({ method: 'DELETE', url: `/webhook-subscriptions/${idOf(subscription.headers.location)}`, headers: dwollaHeaders(retryingToken) })
  await new Promise((resolve) => setTimeout(resolve, 80))
  t.equal(retrying.sim.webhooks.deliveries.length, 1, 'a removed subscription gets no retry')
})

t.test("the failure count that pauses a subscription is the simulator's option; Dwolla's POST {paused} pauses and unpauses", async (t) => {
  const app = await simulator(t, { webhookRetryScheduleMs: [], webhookPauseAfterFailures: 2 })
  const token = await accessToken(app)
  const { url, received } = await receiver(t, [500, 500])
  const location = (await postHal(app, token, '/webhook-subscriptions', { url, secret: SECRET })).headers.location as string
  const exchangeId = await visaExchange(app, token, app.sim.createCustomer())
  app.sim.revokeAccess(exchangeId)
  app.sim.revokeAccess(exchangeId)
  await eventually(() => app.sim.webhooks.deliveries.length === 2)
  t.equal((await getHal(app, token, location)).json().paused, true, 'paused after two failures')
  app.sim.revokeAccess(exchangeId)
  t.equal(app.sim.webhooks.events.length, 3, 'an event created while paused is kept in the event log')

  const resumed = await postHal(app, token, location, { paused: false })
  t.equal(resumed.statusCode, 200)
  t.match(resumed.json(), { id: idOf(location), url, paused: false, _links: { self: { href: location } } })
  app.sim.revokeAccess(exchangeId)
  await eventually(() => received.length === 3)
  t.equal(app.sim.webhooks.deliveries.at(-1)?.status, 200, 'delivered again once unpaused')

  const paused = await postHal(app, token, location, { paused: true })
  t.equal(paused.json().paused, true)
  app.sim.revokeAccess(exchangeId)
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(received.length, 3, 'nothing is sent to a subscription the account paused')
  t.equal((await getHal(app, token, location)).json().paused, true)

  t.match(await postHal(app, token, location, {}), { statusCode: 400 }, 'paused is required')
  t.equal((await postHal(app, token, location, {})).json().code, 'ValidationError')
  t.equal((await postHal(app, token, '/webhook-subscriptions/74a207b2-b7b7-4efa-8bf8-582148e7b980', { paused: false })).statusCode, 404)
})

t.test('unpausing starts the failure count afresh', async (t) => {
  const app = await simulator(t, { webhookRetryScheduleMs: [], webhookPauseAfterFailures: 2 })
  const token = await accessToken(app)
  const { url } = await receiver(t, [500, 500, 500])
  const location = (await postHal(app, token, '/webhook-subscriptions', { url, secret: SECRET })).headers.location as string
  const exchangeId = await visaExchange(app, token, app.sim.createCustomer())
  app.sim.revokeAccess(exchangeId)
  app.sim.revokeAccess(exchangeId)
  await eventually(() => app.sim.webhooks.deliveries.length === 2)
  await postHal(app, token, location, { paused: false })
  app.sim.revokeAccess(exchangeId)
  await eventually(() => app.sim.webhooks.deliveries.length === 3)
  t.equal((await getHal(app, token, location)).json().paused, false, 'one failure after unpausing is not two')
})
