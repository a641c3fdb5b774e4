import t, { type Test } from 'tap'
import { buildApp, type App } from '../../src/app.js'
import { createDwollaClient, createDwollaEvents } from '../../src/dwolla/client.js'
import { createLogger } from '../../src/logger.js'
import { createMetrics } from '../../src/metrics/registry.js'
import { runWebhooksCommand } from '../../src/webhooks/command.js'
import { startRedis } from '../support/redis.js'
import { captureLogs } from '../support/logs.js'
import { eventually } from '../support/eventually.js'
import { startStack } from '../support/stack.js'
import { partnerFlows } from '../support/partner-flows.js'
import { dwollaEvent, postWebhook, sign } from '../support/webhook-events.js'

type Stack = Awaited<ReturnType<typeof startStack>>

const REAUTH = 'customer_exchange_reauth_required'
const CAUGHT_UP = /^webhook_catch_up_events_total (\d+)$/m
const PAUSED = /^dwolla_webhook_subscriptions_paused (\d+)$/m

/** How one service process is reached: its HTTP base, its bank links and its metrics. */
function served (app: App, base: string, customerId: string) {
  return {
    app,
    base,
    bankLinks: async () => (await app.inject({ method: 'GET', url: `/v1/customers/${customerId}/bank-links` })).json().bankLinks,
    metric: async (line: RegExp) => Number(line.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? 0)
  }
}

/** Catch-up every second; bank links polled as often as the test needs. */
const CATCHING_UP = { WEBHOOK_CATCH_UP_SECONDS: '1', RATE_LIMIT_MAX: '1000000' }

/** The stack's service, listening (so catching up). */
async function listening (t: Test, env: NodeJS.ProcessEnv = {}, options = { subscribeWebhooks: false }) {
  const stack = await startStack(t, { env: { ...CATCHING_UP, ...env }, ...options })
  const base = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...stack, ...served(stack.app, base, stack.customerId) }
}

/** Another replica of the stack's service, on the same simulator (and Redis, if the stack has one). */
async function replica (t: Test, stack: Stack) {
  const logs = captureLogs()
  const { port } = stack.simulator.server.address() as { port: number }
  const app = await buildApp({ ...stack.config, dwolla: { ...stack.config.dwolla, apiUrl: `http://127.0.0.1:${port}` } }, { logger: createLogger('info', logs.stream) })
  t.teardown(() => app.close())
  return { ...served(app, await app.listen({ port: 0, host: '127.0.0.1' }), stack.customerId), logs }
}

const listed = (stack: Stack) => stack.sim.calls.filter(({ route }) => route === '/events').length

t.test('a webhook never delivered is caught up from the event log within an interval, and not processed again when it arrives', async (t) => {
  const stack = await listening(t)
  const { sim, base, bankLinks, metric } = stack
  const { exchangeId } = await partnerFlows(stack).visaBank()
  sim.revokeAccess(exchangeId)
  t.equal(sim.webhooks.subscriptions.size, 0, 'the service did not subscribe: no webhook is sent')
  await eventually(async () => (await bankLinks())[0]?.reauthRequired === true, { timeoutMs: 10_000 })
  t.pass('marked from the event log')
  t.equal(await metric(CAUGHT_UP), 3, 'the reauth, and the funding source added and verified')

  const event = sim.webhooks.events.find(({ topic }) => topic === REAUTH)
  const body = JSON.stringify(event)
  const late = await postWebhook(base, { body, signature: sign(stack.config.webhookSecret as string, body) })
  t.equal(late.status, 200)
  t.equal(await metric(/^webhooks_duplicated_total (\d+)$/m), 1, 'the webhook that arrives late is a duplicate')
  const rounds = listed(stack)
  await eventually(() => listed(stack) >= rounds + 1)
  t.equal(await metric(CAUGHT_UP), 3, 'later rounds read the same events again, as duplicates')
})

t.test('an event created while no replica ran is caught up when one starts', async (t) => {
  const redis = await startRedis(t)
  const stack = await startStack(t, { env: { ...CATCHING_UP, REDIS_URL: redis.url } })
  const { exchangeId } = await partnerFlows(stack).visaBank()
  await stack.app.close()
  stack.sim.revokeAccess(exchangeId)
  const started = await replica(t, stack)
  await eventually(async () => (await started.bankLinks())[0]?.reauthRequired === true, { timeoutMs: 10_000 })
  t.equal(await started.metric(CAUGHT_UP), 3)
  t.match(started.logs.records().find(({ msg }) => msg === "catch-up fed events from Dwolla's event log that no webhook had brought"), { level: 30, caughtUp: 3 })
})

t.test('two replicas sharing Redis read the event log once an interval between them, not twice', async (t) => {
  const redis = await startRedis(t)
  const started = performance.now()
  const stack = await listening(t, { REDIS_URL: redis.url })
  await replica(t, stack)
  await eventually(() => listed(stack) >= 4)
  const rounds = listed(stack)
  const seconds = (performance.now() - started) / 1000
  t.ok(rounds <= Math.floor(seconds) + 1, `${rounds} rounds read the log in ${seconds.toFixed(1)} s`)
})

t.test('a paused subscription is reported until `resume` unpauses it; what it missed is caught up', async (t) => {
  const stack = await listening(t, {}, { subscribeWebhooks: true })
  const { sim, logs, bankLinks, metric, config } = stack
  await eventually(() => sim.webhooks.subscriptions.size === 1)
  const [subscription] = sim.webhooks.subscriptions.values()
  const { exchangeId } = await partnerFlows(stack).visaBank()
  subscription!.paused = true
  const reported = () => logs.records().filter(({ msg, webhookSubscriptionId }) => webhookSubscriptionId === subscription!.id && /^Dwolla paused this webhook subscription/.test(msg as string))
  await eventually(async () => await metric(PAUSED) === 1)
  await eventually(() => reported().length > 0)
  t.match(reported(), [{ level: 50, url: subscription!.url }])

  sim.revokeAccess(exchangeId)
  await eventually(async () => (await bankLinks())[0]?.reauthRequired === true, { timeoutMs: 10_000 })
  t.notOk(sim.webhooks.deliveries.some(({ topic }) => topic === REAUTH), 'not delivered: caught up')

  const { port } = stack.simulator.server.address() as { port: number }
  const dwolla = createDwollaClient({ ...config.dwolla, apiUrl: `http://127.0.0.1:${port}`, observer: createMetrics().dwolla })
  t.teardown(() => dwolla.close())
  const lines: string[] = []
  const code = await runWebhooksCommand(['resume', subscription!.id], { dwolla: { ...dwolla, ...createDwollaEvents(dwolla) }, secret: undefined, print: (line) => lines.push(line) })
  t.same({ code, lines }, { code: 0, lines: [`resumed ${subscription!.id}`] })
  t.equal(subscription!.paused, false, 'unpaused in the simulator')
  await eventually(async () => await metric(PAUSED) === 0)
  const since = reported().length
  const rounds = listed(stack)
  await eventually(() => listed(stack) >= rounds + 1)
  t.equal(reported().length, since, 'the next round reports none')
})

t.test("malformed entries of Dwolla's event log are skipped and counted; the round goes on", async (t) => {
  const stack = await startStack(t, { env: CATCHING_UP })
  const { fundingSourceId } = await partnerFlows(stack).visaBank()
  const removed = { ...dwollaEvent({ topic: 'customer_funding_source_removed', resourceId: fundingSourceId, customerId: stack.customerId }), created: new Date().toISOString() }
  const other = { ...dwollaEvent({ topic: 'customer_transfer_created', resourceId: fundingSourceId, customerId: stack.customerId }), created: new Date().toISOString() }
  stack.sim.fault({ method: 'GET', route: '/events', status: 200, body: { _embedded: { events: [removed, { topic: REAUTH }, other, 'x'] }, total: 4 } })
  const { metric, bankLinks } = served(stack.app, await stack.app.listen({ port: 0, host: '127.0.0.1' }), stack.customerId)
  await eventually(async () => (await bankLinks())[0]?.fundingSourceIds.length === 0, { timeoutMs: 10_000 })
  t.equal(await metric(/^webhook_catch_up_malformed_total (\d+)$/m), 2)
  t.equal(await metric(CAUGHT_UP), 2, 'a topic the service does not handle is taken too, and left alone')
  t.equal(await metric(/^webhook_catch_up_failures_total\{reason="\w+"\} (\d+)$/m), 0, 'not a failure')
})
