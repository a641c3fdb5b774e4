import t, { type Test } from 'tap'
import { createDwollaClient, createDwollaEvents } from '../../src/dwolla/client.js'
import { createMetrics } from '../../src/metrics/registry.js'
import { CLIENT_KEY, CLIENT_SECRET, customerWithExchange } from '../support/simulator.js'

/** The Dwolla client and its events module against a listening simulator with one customer's exchange. */
async function setup (t: Test) {
  const stack = await customerWithExchange(t)
  const apiUrl = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  const metrics = createMetrics()
  const dwolla = createDwollaClient({ apiUrl, key: CLIENT_KEY, secret: CLIENT_SECRET, timeoutMs: 5000, observer: metrics.dwolla })
  t.teardown(() => dwolla.close())
  const calls = async (operation: string) =>
    Number(new RegExp(`^dwolla_calls_total\\{operation="${operation}",status="200"\\} (\\d+)$`, 'm').exec(await metrics.registry.metrics())?.[1])
  return { ...stack, apiUrl, dwolla, events: createDwollaEvents(dwolla), calls }
}

t.test("listEvents reads a page of Dwolla's event log as the service's events, newest first", async (t) => {
  const { app, events, exchangeId, customerId, apiUrl, calls } = await setup(t)
  app.sim.revokeAccess(exchangeId)
  app.sim.revokeAccess(exchangeId)
  const [older, newer] = app.sim.webhooks.events
  const page = await events.listEvents(1, 0)
  t.same(page, {
    events: [{
      id: newer?.id,
      topic: 'customer_exchange_reauth_required',
      resourceId: exchangeId,
      created: newer?.created,
      _links: { resource: { href: `${apiUrl}/exchanges/${exchangeId}` }, customer: { href: `${apiUrl}/customers/${customerId}` } }
    }],
    malformed: 0
  }, 'only what the service reads: no self or account link, no timestamp')
  t.same((await events.listEvents(1, 1)).events.map(({ id }) => id), [older?.id])
  t.match(app.sim.calls.filter(({ route }) => route === '/events').map(({ url }) => url), ['/events?limit=1&offset=0', '/events?limit=1&offset=1'])
  t.equal(await calls('listEvents'), 2, 'counted under its own operation')
})

t.test('entries that are not events are skipped and counted; a page that is not a page is an upstream error', async (t) => {
  const { app, events } = await setup(t)
  const event = {
    id: '0a9a0b2c-0000-4000-8000-000000000010',
    topic: 'customer_created',
    resourceId: '0a9a0b2c-0000-4000-8000-000000000011',
    created: '2026-12-01T10:00:00.000Z',
    _links: { resource: { href: 'https://api-sandbox.dwolla.com/customers/0a9a0b2c-0000-4000-8000-000000000011' } }
  }
  const malformed = [null, 'an event', { ...event, id: 7 }, { ...event, _links: {} }, { ...event, created: 'yesterday' }]
  app.sim.fault({ method: 'GET', route: '/events', status: 200, body: { _embedded: { events: [malformed[0], event, ...malformed.slice(1)] }, total: 6 } })
  t.same(await events.listEvents(25, 0), { events: [event], malformed: 5 }, 'an event without a customer link is an event')

  app.sim.fault({ method: 'GET', route: '/events', status: 200, body: { _embedded: {} } })
  await t.rejects(events.listEvents(25, 0), { code: 'UPSTREAM_ERROR' })
})

t.test('setWebhookSubscriptionPaused pauses and unpauses a subscription; an unknown one is NOT_FOUND', async (t) => {
  const { app, dwolla, events } = await setup(t)
  const id = await dwolla.createWebhookSubscription('https://bff.example.com/webhooks/dwolla', 'a-webhook-secret-for-the-tests')
  const paused = await events.setWebhookSubscriptionPaused(id, true)
  t.match(paused, { id, url: 'https://bff.example.com/webhooks/dwolla', paused: true, created: String })
  t.same(Object.keys(paused).sort(), ['created', 'id', 'paused', 'url'])
  t.equal(app.sim.webhooks.subscriptions.get(id)?.paused, true)
  t.match(await events.setWebhookSubscriptionPaused(id, false), { id, paused: false })
  t.equal(app.sim.webhooks.subscriptions.get(id)?.paused, false)
  t.match(app.sim.calls.at(-1), { method: 'POST', route: '/webhook-subscriptions/:id', status: 200 })
  await t.rejects(events.setWebhookSubscriptionPaused('74a207b2-b7b7-4efa-8bf8-582148e7b980', false), { code: 'NOT_FOUND' })
})
