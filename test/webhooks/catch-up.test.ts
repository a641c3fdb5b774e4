import { randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import { createDwollaClient, createDwollaEvents } from '../../src/dwolla/client.js'
import { createLogger } from '../../src/logger.js'
import { createMetrics } from '../../src/metrics/registry.js'
import { createMemoryState, type SharedState } from '../../src/shared-state.js'
import { createCatchUp, PAGE_SIZE, type AcceptEvent } from '../../src/webhooks/catch-up.js'
import type { DwollaEvent } from '../../src/webhooks/schemas.js'
import { captureLogs } from '../support/logs.js'
import { eventually } from '../support/eventually.js'
import { CLIENT_KEY, CLIENT_SECRET, customerWithExchange } from '../support/simulator.js'
import { dwollaEvent } from '../support/webhook-events.js'

const HOUR = 60 * 60 * 1000

/** An event of the log, created `ago` ms before now. */
const logged = (ago: number) => ({ ...dwollaEvent({ topic: 'customer_exchange_reauth_required', resourceId: randomUUID(), customerId: randomUUID() }), created: new Date(Date.now() - ago).toISOString() })

interface Options {
  state?: SharedState
  /** The inbox; by default one that keeps each id once. */
  accept?: AcceptEvent
}

/**
 * Catch-up against a listening simulator through the real Dwolla client, rounds every second,
 * feeding an inbox that records what it was given.
 */
async function setup (t: Test, { state = createMemoryState(), accept }: Options = {}) {
  const stack = await customerWithExchange(t)
  const apiUrl = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  const metrics = createMetrics()
  const dwolla = createDwollaClient({ apiUrl, key: CLIENT_KEY, secret: CLIENT_SECRET, timeoutMs: 5000, observer: metrics.dwolla })
  t.teardown(() => dwolla.close())
  const logs = captureLogs()
  const given: DwollaEvent[] = []
  const kept = new Set<string>()
  const inbox: AcceptEvent = accept ?? (async (event) => kept.has(event.id) ? 'duplicate' : (kept.add(event.id), 'accepted'))
  const catchUp = () => {
    const started = createCatchUp({
      dwolla: { listWebhookSubscriptions: dwolla.listWebhookSubscriptions, ...createDwollaEvents(dwolla) },
      state,
      accept: (event) => { given.push(event); return inbox(event) },
      intervalSeconds: 1,
      metrics: metrics.catchUp,
      log: createLogger('info', logs.stream)
    })
    started.start()
    t.teardown(() => started.close())
    return started
  }
  const metric = async (line: RegExp) => Number(line.exec(await metrics.registry.metrics())?.[1] ?? 0)
  const listed = () => stack.app.sim.calls.filter(({ route }) => route === '/events')
  const fault = (events: unknown[]) => stack.app.sim.fault({ method: 'GET', route: '/events', status: 200, body: { _embedded: { events }, total: events.length } })
  return { ...stack, dwolla, state, given, catchUp, metric, listed, fault, records: () => logs.records() }
}

t.test('a first start reads back 72 hours; later rounds read back to the cursor less an hour, for late events', async (t) => {
  const { catchUp, given, fault, listed, records, metric } = await setup(t)
  const fresh = logged(60_000)
  const withinRetries = logged(71 * HOUR)
  const older = logged(73 * HOUR)
  fault([fresh, withinRetries, older])
  catchUp()
  await eventually(() => given.length === 2)
  t.same(given.map(({ id }) => id), [withinRetries.id, fresh.id], 'oldest first; nothing older than Dwolla retries for')
  t.equal(await metric(/^webhook_catch_up_events_total (\d+)$/m), 2)
  t.match(records().filter(({ msg }) => msg === "catch-up fed events from Dwolla's event log that no webhook had brought"), [{ level: 30, caughtUp: 2, read: 2 }])

  const late = logged(31 * 60_000) // created before the cursor (fresh), listed only now
  const beforeOverlap = logged(2 * HOUR)
  fault([fresh, late, beforeOverlap])
  await eventually(() => listed().length === 2 && given.length === 4)
  t.same(given.slice(2).map(({ id }) => id), [late.id, fresh.id], 'the late one within the hour, and the cursor event again (a duplicate)')
  t.equal(await metric(/^webhook_catch_up_events_total (\d+)$/m), 3, 'a duplicate is not counted as caught up')
  t.equal(records().filter(({ msg }) => msg === "catch-up fed events from Dwolla's event log that no webhook had brought").length, 2)

  // A round that finds nothing new says nothing.
  fault([fresh])
  await eventually(() => listed().length === 3 && given.length === 5)
  t.equal(records().filter(({ msg }) => msg === "catch-up fed events from Dwolla's event log that no webhook had brought").length, 2)
})

t.test('a cursor in the shared state that is no past time is read back as on a first start, and replaced', async (t) => {
  for (const junk of ['junk', String(Date.now() + 365 * 24 * HOUR)]) {
    await t.test(junk === 'junk' ? 'not a number' : 'a year ahead', async (t) => {
      const state = createMemoryState()
      await state.set('bff:webhook-catch-up:cursor', junk)
      const { catchUp, given, fault, records } = await setup(t, { state })
      const fresh = logged(60_000)
      const older = logged(73 * HOUR)
      fault([fresh, older])
      catchUp()
      await eventually(() => given.length === 1)
      t.same(given.map(({ id }) => id), [fresh.id], 'the first start\'s 72 hours, neither nothing nor the whole log')
      t.match(records(), [{ level: 40, msg: 'catch-up cursor in the shared state is not a past time: read back as on a first start' }])
      await eventually(async () => (await state.getMany(['bff:webhook-catch-up:cursor']))[0] === String(Date.parse(fresh.created)))
    })
  }
})

t.test('a round reads as many pages as it takes, then feeds every event oldest first', async (t) => {
  const { app, exchangeId, catchUp, given, listed } = await setup(t)
  for (let index = 0; index < PAGE_SIZE + 1; index++) app.sim.revokeAccess(exchangeId)
  catchUp()
  await eventually(() => given.length === PAGE_SIZE + 1)
  t.same(given.map(({ id }) => id), app.sim.webhooks.events.map(({ id }) => id), 'oldest first')
  t.same(listed().map(({ url }) => url), [`/events?limit=${PAGE_SIZE}&offset=0`, `/events?limit=${PAGE_SIZE}&offset=${PAGE_SIZE}`])
})

t.test('when the inbox refuses an event the round stops, and the next one starts again from it', async (t) => {
  let refusals = 1
  const kept = new Set<string>()
  const { app, exchangeId, catchUp, given, metric, records, state } = await setup(t, {
    async accept (event) {
      if (kept.size === 1 && refusals-- > 0) throw new Error('the inbox is down')
      return kept.has(event.id) ? 'duplicate' : (kept.add(event.id), 'accepted')
    }
  })
  for (let index = 0; index < 3; index++) app.sim.revokeAccess(exchangeId)
  const [first, second, third] = app.sim.webhooks.events.map(({ id }) => id)
  catchUp()
  await eventually(() => given.length === 2)
  t.match(records().find(({ msg }) => msg === 'catch-up could not feed an event to the inbox: trying again next round'), { level: 50, eventId: second, err: { message: 'the inbox is down' } })
  t.equal(await metric(/^webhook_catch_up_failures_total\{reason="inbox"\} (\d+)$/m), 1)
  t.same(await state.getMany(['bff:webhook-catch-up:cursor']), [String(Date.parse(app.sim.webhooks.events[0]!.created))], 'the cursor moved over the first only')
  await eventually(() => kept.size === 3)
  t.same(given.map(({ id }) => id), [first, second, first, second, third], 'the next round fed the refused one and what came after')
})

t.test("a Dwolla failure ends the round; the next one reads again; malformed entries are skipped and counted", async (t) => {
  const { app, exchangeId, catchUp, given, metric, records } = await setup(t)
  app.sim.revokeAccess(exchangeId)
  app.sim.fault({ method: 'GET', route: '/events', status: 503, times: 3 })
  catchUp()
  await eventually(async () => await metric(/^webhook_catch_up_failures_total\{reason="dwolla"\} (\d+)$/m) === 1)
  t.ok(records().some(({ msg, level }) => msg === "catch-up could not read Dwolla's event log: trying again next round" && level === 40))
  t.equal(given.length, 0)
  const [event] = app.sim.webhooks.events
  app.sim.fault({ method: 'GET', route: '/events', status: 200, body: { _embedded: { events: [{ id: 'no more than an id' }, event, 42] } } })
  await eventually(() => given.length === 1)
  t.equal(given[0]?.id, event?.id, 'the good entry is fed')
  t.equal(await metric(/^webhook_catch_up_malformed_total (\d+)$/m), 2)
  t.match(records().find(({ msg }) => msg === "Dwolla's event log listed entries that are not events: skipped"), { level: 40, offset: 0, malformed: 2 })
})

t.test('two catch-ups sharing the state take turns under the lease: one round a second between them, not two', async (t) => {
  const { app, catchUp, listed } = await setup(t)
  const started = performance.now()
  catchUp()
  catchUp()
  await eventually(() => listed().length >= 4)
  const rounds = listed().length
  const seconds = (performance.now() - started) / 1000
  t.ok(rounds <= Math.floor(seconds) + 1, `${rounds} rounds read the log in ${seconds.toFixed(1)} s`)
  const checks = app.sim.calls.filter(({ route }) => route === '/webhook-subscriptions').length
  t.ok(checks > rounds, 'each one checks the subscriptions every round, lease or not')
})

t.test('a failure of the shared state ends the round, counted and logged', async (t) => {
  const broken: SharedState = { ...createMemoryState(), claim: () => Promise.reject(new Error('Redis is away')) }
  const { catchUp, metric, records } = await setup(t, { state: broken })
  catchUp()
  await eventually(async () => await metric(/^webhook_catch_up_failures_total\{reason="state"\} (\d+)$/m) >= 1)
  t.match(records().find(({ msg }) => msg === 'catch-up round failed on the shared state: trying again next round'), { level: 50, err: { message: 'Redis is away' } })
})

t.test('every round reports paused subscriptions: a gauge and an error line naming each', async (t) => {
  const { app, dwolla, catchUp, metric, records } = await setup(t)
  const paused = await dwolla.createWebhookSubscription('https://bff.example.com/webhooks/dwolla', 'a-webhook-secret-for-the-tests')
  await dwolla.createWebhookSubscription('https://bff.example.com/other', 'a-webhook-secret-for-the-tests')
  app.sim.webhooks.subscriptions.get(paused)!.paused = true
  catchUp()
  const gauge = /^dwolla_webhook_subscriptions_paused (\d+)$/m
  await eventually(async () => await metric(gauge) === 1)
  const reported = () => records().filter(({ msg }) => msg === 'Dwolla paused this webhook subscription and sends it nothing: `npm run webhooks -- resume <id>` unpauses it')
  t.match(reported(), [{ level: 50, webhookSubscriptionId: paused, url: 'https://bff.example.com/webhooks/dwolla' }], 'the paused one only')

  app.sim.webhooks.subscriptions.get(paused)!.paused = false
  await eventually(async () => await metric(gauge) === 0)
  const lines = reported().length
  app.sim.fault({ method: 'GET', route: '/webhook-subscriptions', status: 503, times: 3 })
  await eventually(async () => await metric(/^webhook_catch_up_failures_total\{reason="subscriptions"\} (\d+)$/m) === 1)
  t.ok(records().some(({ msg, level }) => msg === "catch-up could not read the account's webhook subscriptions: trying again next round" && level === 40))
  t.equal(reported().length, lines, 'no paused subscription reported since it was resumed')
})

t.test('closing waits for the round in progress, then no round follows', async (t) => {
  let release!: () => void
  const released = new Promise<void>((resolve) => { release = resolve })
  const { app, exchangeId, catchUp, given, listed } = await setup(t, { accept: async () => { await released; return 'accepted' } })
  app.sim.revokeAccess(exchangeId)
  const started = catchUp()
  await eventually(() => given.length === 1)
  let closed = false
  const closing = started.close().then(() => { closed = true })
  // Everything but the blocked inbox has settled by the next turn of the event loop.
  await new Promise((resolve) => setImmediate(resolve))
  t.notOk(closed, 'still feeding the inbox')
  release()
  await closing
  const rounds = listed().length
  await new Promise((resolve) => setTimeout(resolve, 1500))
  t.equal(listed().length, rounds, 'the timer was stopped')
})
