import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { setTimeout as sleep } from 'node:timers/promises'
import { createMetrics } from '../../src/metrics/registry.js'
import { registerProblemHandlers } from '../../src/problems.js'
import { createMemoryState } from '../../src/shared-state.js'
import type { WebhookProcessor } from '../../src/webhooks/processor.js'
import { webhookRoutes } from '../../src/webhooks/routes.js'
import { captureLogs } from '../helpers.js'
import { createLogger } from '../../src/logger.js'
import { dwollaEvent, postWebhook, sign } from './events.js'

const SECRET = 'a-webhook-secret-for-the-stand-in'

/** The webhook route alone, over real HTTP, with a stand-in for the processing. */
async function route (t: Test, process: WebhookProcessor) {
  const logs = captureLogs()
  const app = Fastify({ loggerInstance: createLogger('info', logs.stream) })
  registerProblemHandlers(app)
  // The server's own time per answer, from the request's arrival to the last byte written.
  const served: number[] = []
  app.addHook('onResponse', async (_request, reply) => { served.push(reply.elapsedTime) })
  const state = createMemoryState()
  await app.register(webhookRoutes, { secret: SECRET, state, process, metrics: createMetrics().webhooks })
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => {
    await app.close()
    await state.close()
  })
  const send = (id?: string) => {
    const body = JSON.stringify(dwollaEvent('customer_exchange_reauth_required', '0a9a0b2c-0000-4000-8000-000000000001', '74a207b2-b7b7-4efa-8bf8-582148e7b980', id))
    return postWebhook(base, body, sign(SECRET, body))
  }
  return { app, send, logs, served }
}

t.test('the answer does not wait for slow processing (p99 reported, not asserted)', async (t) => {
  let finished = 0
  const { send, served } = await route(t, async () => {
    await sleep(2000)
    finished++
  })
  const durations: number[] = []
  // 200 events, 10 at a time, as Dwolla's bursts of concurrent webhooks come.
  for (let batch = 0; batch < 20; batch++) {
    await Promise.all(Array.from({ length: 10 }, async () => {
      const started = performance.now()
      const response = await send()
      await response.arrayBuffer()
      durations.push(performance.now() - started)
      t.equal(response.status, 200)
    }))
  }
  const summary = (times: number[]) => {
    const sorted = [...times].sort((a, b) => a - b)
    const at = (share: number) => (sorted[Math.ceil(sorted.length * share) - 1] as number).toFixed(1)
    return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`
  }
  t.comment(`webhook answers with 2 s of processing per event, 200 events 10 at a time: client ${summary(durations)}; server ${summary(served)}`)
  t.ok(finished < durations.length, 'answered before the processing finished')
})

t.test('a processing failure is logged with the event; shutdown waits for work already acknowledged', async (t) => {
  const { app, send, logs } = await route(t, async (event) => {
    await sleep(300)
    if (event.id === 'fails') throw new Error('the store is away')
  })
  t.equal((await send('fails')).status, 200)
  t.equal((await send('works')).status, 200)
  await app.close()
  t.match(logs.records().find((record) => record.msg === 'webhook event processing failed'), {
    eventId: 'fails', topic: 'customer_exchange_reauth_required', err: { message: 'the store is away' }
  }, 'closing waited for both')
})
