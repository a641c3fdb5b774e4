import { randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { createMetrics } from '../../src/metrics/registry.js'
import { registerProblemHandlers } from '../../src/problems.js'
import { createMemoryInbox } from '../../src/webhooks/inbox.js'
import type { WebhookProcessor } from '../../src/webhooks/processor.js'
import { webhookRoutes } from '../../src/webhooks/routes.js'
import { captureLogs } from '../support/logs.js'
import { eventually } from '../support/eventually.js'
import { createLogger } from '../../src/logger.js'
import { dwollaEvent, postWebhook, sign } from '../support/webhook-events.js'

const SECRET = 'a-webhook-secret-for-the-stand-in'

/** The webhook route alone with the one-process inbox, over real HTTP, with a stand-in for the work. */
async function route (t: Test, process: WebhookProcessor) {
  const logs = captureLogs()
  const app = Fastify({ loggerInstance: createLogger('info', logs.stream) })
  registerProblemHandlers(app)
  const metrics = createMetrics().webhooks
  await app.register(webhookRoutes, { secret: SECRET, inbox: createMemoryInbox(process, metrics), metrics, limitSender: async () => {} })
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const send = (id: string) => {
    const body = JSON.stringify(dwollaEvent({ topic: 'customer_exchange_reauth_required', resourceId: '0a9a0b2c-0000-4000-8000-000000000001', customerId: '74a207b2-b7b7-4efa-8bf8-582148e7b980', id }))
    return postWebhook(base, { body, signature: sign(SECRET, body) })
  }
  return { send, logs, metrics }
}

t.test('without Redis the work is done before the answer: 503 WEBHOOK_NOT_STORED when it fails, 200 on the retry that works', async (t) => {
  const done: string[] = []
  let failing = true
  const { send, logs } = await route(t, async (event) => {
    if (failing) throw new Error('the store is away')
    done.push(event.id)
  })
  const id = randomUUID()
  const refused = await send(id)
  t.equal(refused.status, 503)
  t.equal(refused.headers.get('retry-after'), '5')
  t.match(await refused.json(), { code: 'WEBHOOK_NOT_STORED' })
  t.match(logs.records().find((record) => record.msg === 'webhook event not kept: answered 503, Dwolla sends it again'), {
    eventId: id, err: { message: 'the store is away' }
  })
  failing = false
  const accepted = await send(id)
  t.equal(accepted.status, 200)
  t.same(done, [id], 'done by the time Dwolla hears 200')
  t.equal((await send(id)).status, 200, 'a duplicate is acknowledged')
  t.same(done, [id], 'and not processed twice')
})

t.test('a redelivery while the first is at work waits for it and is not processed twice', async (t) => {
  let release!: () => void
  const started: string[] = []
  const { send, metrics } = await route(t, async (event) => {
    started.push(event.id)
    await new Promise<void>((resolve) => { release = resolve })
  })
  const id = randomUUID()
  const first = send(id)
  const second = send(id)
  // Both have reached the inbox before the first's work ends.
  await eventually(async () => (await metrics.received.get()).values[0]?.value === 2)
  t.same(started, [id])
  release()
  t.same([(await first).status, (await second).status], [200, 200])
  t.same(started, [id])
  t.equal((await metrics.duplicated.get()).values[0]?.value, 1)
})
