import { once } from 'node:events'
import { Redis } from 'ioredis'
import t from 'tap'
import { createLogger, redactCredentials } from '../src/logger.js'
import { startRedis } from './support/redis.js'
import { captureLogs } from './support/logs.js'

const logged = (log: (logger: ReturnType<typeof createLogger>) => void) => {
  const logs = captureLogs()
  log(createLogger('info', logs.stream))
  return { line: logs.lines.join('\n'), record: logs.records()[0] as Record<string, unknown> }
}

t.test('credentials are censored at the top of a line and one level down', async (t) => {
  const { line, record } = logged((logger) => logger.info({
    token: 'top-token', access_token: 'top-access', secret: 's1', password: 'p1',
    dwolla: { accessToken: 'nested-access', authorization: 'Bearer nested', kept: 'visible' },
    operation: 'token'
  }, 'call'))
  for (const secret of ['top-token', 'top-access', 's1', 'p1', 'nested-access', 'Bearer nested']) t.notMatch(line, secret)
  t.same(record.dwolla, { accessToken: '[redacted]', authorization: '[redacted]', kept: 'visible' })
  t.equal(record.token, '[redacted]')
  t.equal(record.operation, 'token', 'a value that merely reads like a name is kept')
})

t.test('request and response headers lose their credentials, the rest stays', async (t) => {
  const { record } = logged((logger) => logger.info({
    req: { method: 'GET', headers: { authorization: 'Bearer abc', cookie: 'session=xyz', accept: 'application/json' } },
    res: { headers: { 'set-cookie': 'session=xyz', 'content-type': 'text/plain' } },
    headers: { authorization: 'Basic a2V5OnNlY3JldA==' }
  }, 'http'))
  t.same(record.req, { method: 'GET', headers: { authorization: '[redacted]', cookie: '[redacted]', accept: 'application/json' } })
  t.same(record.res, { headers: { 'set-cookie': '[redacted]', 'content-type': 'text/plain' } })
  t.same(record.headers, { authorization: '[redacted]' })
})

t.test('deeper values are not walked, as with pino\'s one-level wildcard', async (t) => {
  const { record } = logged((logger) => logger.info({ a: { b: { token: 'deep' } } }, 'deep'))
  t.same(record.a, { b: { token: 'deep' } })
})

t.test('an error with a credential on it is still logged as that error', async (t) => {
  const error = Object.assign(new Error('Dwolla refused', { cause: new Error('socket hang up') }), { token: 'leaked', code: 'E1' })
  const { line, record } = logged((logger) => logger.error({ err: error }, 'failed'))
  t.notMatch(line, 'leaked')
  const err = record.err as Record<string, unknown>
  t.equal(err.message, 'Dwolla refused: socket hang up')
  t.equal(err.type, 'Error')
  t.equal(err.code, 'E1')
  t.equal(err.token, '[redacted]')
  t.match(err.stack, /Dwolla refused/)
  t.equal(error.token, 'leaked', 'the caller\'s object is left as it was')
})

t.test('child bindings are censored too', async (t) => {
  const { line, record } = logged((logger) => logger.child({ secret: 'bound', reqId: 'r1' }).info('hello'))
  t.notMatch(line, 'bound')
  t.equal(record.reqId, 'r1')
})

t.test('an object without credentials is passed on as it is, not copied', async (t) => {
  const object = { method: 'POST', url: '/v1', statusCode: 201, nested: { durationMs: 3 } }
  t.equal(redactCredentials(object), object)
})

t.test("a Redis error's command is logged without its arguments: AUTH's are the password", async (t) => {
  const redis = await startRedis(t)
  const admin = new Redis(redis.url)
  t.teardown(() => admin.disconnect())
  await admin.config('SET', 'requirepass', 'the-right-password')
  const wrong = new URL(redis.url)
  wrong.password = 'a-wrong-password'
  // As the service's connections report it: through the connection's error event.
  const refused = new Redis(wrong.href, { lazyConnect: true, retryStrategy: () => null })
  const reported = once(refused, 'error') as Promise<[Error & { command?: unknown }]>
  refused.connect().catch(() => {})
  const [error] = await reported
  refused.disconnect()
  t.same(error.command, { name: 'auth', args: ['a-wrong-password'] }, 'ioredis hands the refused AUTH on')
  const { line, record } = logged((logger) => logger.warn({ err: error }, 'shared-state Redis unavailable'))
  t.notMatch(line, 'a-wrong-password')
  t.same((record.err as { command: unknown }).command, { name: 'auth', args: '[redacted]' })
})
