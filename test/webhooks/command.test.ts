import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { createDwollaClient, createDwollaEvents } from '../../src/dwolla/client.js'
import { createMetrics } from '../../src/metrics/registry.js'
import { createLogger } from '../../src/logger.js'
import { runInboxCommand, runWebhooksCommand, USAGE } from '../../src/webhooks/command.js'
import { createRedisInbox, openDeadLetters } from '../../src/webhooks/redis-inbox.js'
import { startRedis } from '../support/redis.js'
import { captureLogs } from '../support/logs.js'
import { eventually } from '../support/eventually.js'
import { tsEntry } from '../support/processes.js'
import { dwollaEvent } from '../support/webhook-events.js'
import { CLIENT_KEY, CLIENT_SECRET, simulator } from '../support/simulator.js'

const WEBHOOK_SECRET = 'a-webhook-secret-for-the-command'

async function setup (t: Test) {
  const sim = await simulator(t)
  const apiUrl = await sim.listen({ port: 0, host: '127.0.0.1' })
  const dwolla = createDwollaClient({ apiUrl, key: CLIENT_KEY, secret: CLIENT_SECRET, timeoutMs: 5000, observer: createMetrics().dwolla })
  t.teardown(() => dwolla.close())
  const run = async (args: string[], { secret }: { secret: string | undefined } = { secret: WEBHOOK_SECRET }) => {
    const lines: string[] = []
    const code = await runWebhooksCommand(args, { dwolla: { ...dwolla, ...createDwollaEvents(dwolla) }, secret, print: (line) => lines.push(line) })
    return { code, lines }
  }
  return { sim, apiUrl, run }
}

t.test('subscribe, list and remove, through the Dwolla client', async (t) => {
  const { sim, run } = await setup(t)
  t.same(await run(['list']), { code: 0, lines: ['no webhook subscriptions'] })
  const subscribed = await run(['subscribe', 'https://bff.example.com/webhooks/dwolla'])
  t.equal(subscribed.code, 0)
  const id = /^subscribed ([0-9a-f-]{36}) https:\/\/bff\.example\.com\/webhooks\/dwolla$/.exec(subscribed.lines[0] as string)?.[1] as string
  t.ok(id)
  t.equal(sim.sim.webhooks.subscriptions.get(id)?.secret, WEBHOOK_SECRET, 'subscribed with the secret from the environment')

  const listed = await run(['list'])
  t.match(listed, { code: 0, lines: [new RegExp(`^${id}  active  \\S+  https://bff\\.example\\.com/webhooks/dwolla$`)] })
  sim.sim.webhooks.subscriptions.get(id)!.paused = true
  t.match((await run(['list'])).lines, [new RegExp(`^${id}  paused  `)], 'a paused subscription says so')

  t.same(await run(['resume', id]), { code: 0, lines: [`resumed ${id}`] })
  t.equal(sim.sim.webhooks.subscriptions.get(id)?.paused, false, 'unpaused at Dwolla')
  t.match((await run(['list'])).lines, [new RegExp(`^${id}  active  `)])

  t.same(await run(['remove', id]), { code: 0, lines: [`removed ${id}`] })
  t.same(await run(['resume', id]), { code: 1, lines: ['NOT_FOUND: Dwolla has no such resource.'] })
  t.same(await run(['remove', id]), { code: 1, lines: ['NOT_FOUND: Dwolla has no such resource.'] })
})

t.test('mistakes are told, with a non-zero exit', async (t) => {
  const { run } = await setup(t)
  t.same(await run(['subscribe', 'https://bff.example.com/webhooks/dwolla'], { secret: undefined }), {
    code: 1, lines: ['DWOLLA_WEBHOOK_SECRET: required to subscribe (the service verifies webhooks with it)']
  })
  for (const args of [[], ['subscribe'], ['list', 'extra'], ['remove'], ['resume'], ['resume', 'a', 'b'], ['unsubscribe', 'x']]) {
    t.same(await run(args), { code: 2, lines: [USAGE] }, args.join(' '))
  }
  const refused = await run(['subscribe', 'ftp://nowhere'])
  t.same(refused, { code: 1, lines: ['UPSTREAM_ERROR (Dwolla: ValidationError): Dwolla answered unexpectedly.'] })
})

t.test('a defect is not dressed up as a Dwolla answer', async (t) => {
  const broken = () => Promise.reject(new TypeError('a defect'))
  const dwolla = { createWebhookSubscription: broken, listWebhookSubscriptions: broken, removeWebhookSubscription: broken, setWebhookSubscriptionPaused: broken }
  await t.rejects(runWebhooksCommand(['list'], { dwolla, secret: undefined, print: () => {} }), { message: 'a defect' })
})

t.test('npm run webhooks reads the Dwolla settings and the secret from the environment', async (t) => {
  const { apiUrl } = await setup(t)
  const [node, ...args] = tsEntry('src/webhooks/cli.ts')
  const env = { PATH: process.env.PATH, DWOLLA_API_URL: apiUrl, DWOLLA_KEY: CLIENT_KEY, DWOLLA_SECRET: CLIENT_SECRET, DWOLLA_WEBHOOK_SECRET: WEBHOOK_SECRET }
  const run = promisify(execFile)
  const subscribed = await run(node as string, [...args, 'subscribe', 'https://bff.example.com/webhooks/dwolla'], { env })
  t.match(subscribed.stdout, /^subscribed [0-9a-f-]{36} https:\/\/bff\.example\.com\/webhooks\/dwolla\n$/)
  const id = subscribed.stdout.split(' ')[1] as string
  t.equal((await run(node as string, [...args, 'resume', id], { env })).stdout, `resumed ${id}\n`, 'resume reaches Dwolla too')
  await t.rejects(run(node as string, [...args, 'list'], { env: { PATH: process.env.PATH } }), { code: 1, stderr: /DWOLLA_KEY and DWOLLA_SECRET/ })
})

t.test('npm run webhooks refuses a bad setting naming the variable and its rule, never the value', async (t) => {
  const { apiUrl } = await setup(t)
  const [node, ...args] = tsEntry('src/webhooks/cli.ts')
  const base = { PATH: process.env.PATH, DWOLLA_API_URL: apiUrl, DWOLLA_KEY: CLIENT_KEY, DWOLLA_SECRET: CLIENT_SECRET }
  const run = (env: NodeJS.ProcessEnv) => promisify(execFile)(node as string, [...args, 'list'], { env: { ...base, ...env } })
  const short = 'hunter2-webhook'
  await t.rejects(run({ DWOLLA_WEBHOOK_SECRET: short }), {
    code: 1, stderr: 'Invalid configuration: DWOLLA_WEBHOOK_SECRET: must be 16 to 128 characters\n'
  })

  await t.rejects(run({ DWOLLA_ENV: 'production' }), {
    code: 1, stderr: /^Invalid configuration: DWOLLA_API_URL: must be https:\/\/ when NODE_ENV or DWOLLA_ENV is production/
  }, "Dwolla's credentials are not sent over plain http in production")
  await t.rejects(run({ NODE_ENV: 'production' }), { code: 1, stderr: /^Invalid configuration: DWOLLA_API_URL: must be https:\/\// })
  const allowed = await run({ NODE_ENV: 'production', ALLOW_PLAIN_HTTP: 'DWOLLA_API_URL' })
  t.equal(allowed.stdout, 'no webhook subscriptions\n', 'a local stack says so by name')
  t.equal(allowed.stderr, 'Warning: plain http allowed in production by ALLOW_PLAIN_HTTP for DWOLLA_API_URL: for a local stack only\n')
})

t.test('dead-letters lists the events out of tries, replay puts one back in the inbox', async (t) => {
  const redis = await startRedis(t)
  let healthy = false
  const done: string[] = []
  const inbox = await createRedisInbox(redis.url, async (event) => {
    if (!healthy) throw new Error('WRONGTYPE Operation against a key holding the wrong kind of value')
    done.push(event.id)
  }, { log: createLogger('silent', captureLogs().stream), metrics: createMetrics().webhooks, tuning: { attempts: 2, backoffMs: 50, leaseMs: 5000 } })
  t.teardown(() => inbox.close())
  const deadLetters = openDeadLetters(redis.url)
  t.teardown(() => deadLetters.close())
  const run = async (args: string[]) => {
    const lines: string[] = []
    const code = await runInboxCommand(args, { deadLetters, print: (line) => lines.push(line) })
    return { code, lines }
  }
  t.same(await run(['dead-letters']), { code: 0, lines: ['no dead letters'] })
  const event = dwollaEvent({ topic: 'customer_funding_source_removed', resourceId: '0a9a0b2c-0000-4000-8000-000000000001', customerId: '74a207b2-b7b7-4efa-8bf8-582148e7b980' })
  t.equal(await inbox.accept(event), 'accepted')
  await eventually(async () => (await deadLetters.list()).length === 1)
  t.same(await run(['dead-letters']), {
    code: 0,
    lines: [`${event.id}  customer_funding_source_removed  created ${event.created}  tries 2  WRONGTYPE Operation against a key holding the wrong kind of value`]
  })
  t.equal(await inbox.accept(event), 'duplicate', 'a redelivery of a dead letter is not a second job')

  healthy = true
  t.same(await run(['replay', event.id]), { code: 0, lines: [`replayed ${event.id}: back in the inbox`] })
  await eventually(() => done.length === 1)
  t.same(done, [event.id])
  t.same(await run(['dead-letters']), { code: 0, lines: ['no dead letters'] })
  t.same(await run(['replay', event.id]), { code: 1, lines: [`no dead letter ${event.id}`] }, 'done, so no longer a dead letter')
  t.same(await run(['replay', 'never-seen']), { code: 1, lines: ['no dead letter never-seen'] })
  for (const args of [['dead-letters', 'extra'], ['replay'], ['replay', 'a', 'b']]) t.same(await run(args), { code: 2, lines: [USAGE] }, args.join(' '))
})

t.test('npm run webhooks -- dead-letters reads REDIS_URL, and says so when it is unset', async (t) => {
  const redis = await startRedis(t)
  const [node, ...args] = tsEntry('src/webhooks/cli.ts')
  const run = promisify(execFile)
  const listed = await run(node as string, [...args, 'dead-letters'], { env: { PATH: process.env.PATH, REDIS_URL: redis.url } })
  t.equal(listed.stdout, 'no dead letters\n')
  await t.rejects(run(node as string, [...args, 'replay', 'x'], { env: { PATH: process.env.PATH } }), { code: 1, stderr: /^Set REDIS_URL: / })
  const admin = new Redis(redis.url)
  t.teardown(() => admin.disconnect())
  await admin.config('SET', 'requirepass', 'the-right-password')
  const wrong = new URL(redis.url)
  wrong.password = 'a-wrong-password'
  const refused = await run(node as string, [...args, 'dead-letters'], { env: { PATH: process.env.PATH, REDIS_URL: wrong.href } })
    .then(() => ({ code: 0, stderr: '' }), (error: { code: number, stderr: string }) => error)
  t.equal(refused.code, 1, 'a refused password fails the command')
  t.match(refused.stderr, /^Redis: /)
  t.notMatch(refused.stderr, 'a-wrong-password', 'and says so without the password')
})
