import t, { type Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { createLogger } from '../src/logger.js'
import { createMemoryState, createRedisState, type SharedState } from '../src/shared-state.js'
import { startRedis } from './support/redis.js'
import { captureLogs } from './support/logs.js'
import { eventually } from './support/eventually.js'

/** The same behaviour from both kinds of state. */
async function behaves (t: Test, state: SharedState, ttlSeconds: number) {
  t.teardown(() => state.close())
  t.equal(await state.claim('event:1', ttlSeconds), true, 'the first claim wins')
  t.equal(await state.claim('event:1', ttlSeconds), false, 'a second one does not')
  t.equal(await state.claim('event:2', 3600), true, 'another key is another claim')
  t.equal(await state.claim('lease', ttlSeconds), true)
  await sleep(ttlSeconds * 1000 + 100)
  t.equal(await state.claim('event:1', ttlSeconds), true, 'an expired claim can be made again')
  t.equal(await state.claim('lease', ttlSeconds), true, 'a short claim made after a longer one expires all the same')
  t.equal(await state.claim('event:2', 3600), false, 'the unexpired one stays')

  await state.set('mark:a', 'x')
  t.same(await state.getMany(['mark:a', 'mark:b']), ['x', undefined])
  await state.delete('mark:a')
  t.same(await state.getMany(['mark:a']), [undefined])

  await state.addMember('set:1', 'one')
  await state.addMember('set:1', 'two')
  await state.removeMember('set:1', 'one')
  await state.removeMember('set:unknown', 'one')
  t.same(await state.members('set:1'), ['two'])
  t.same(await state.members('set:unknown'), [])
}

t.test('in memory', async (t) => {
  await behaves(t, createMemoryState(), 0.05)
})

t.test('in Redis', async (t) => {
  const redis = await startRedis(t)
  await behaves(t, await createRedisState(redis.url, createLogger('silent', captureLogs().stream)), 1)
})

t.test('Redis going away is logged, and a REDIS_URL that cannot be reached stops the start', { timeout: 30_000 }, async (t) => {
  const redis = await startRedis(t)
  const logs = captureLogs()
  const state = await createRedisState(redis.url, createLogger('warn', logs.stream))
  t.teardown(() => state.close())
  await redis.stop()
  await t.rejects(state.claim('event:1', 60))
  await eventually(() => logs.records().some((record) => record.msg === 'shared-state Redis unavailable'))
  await t.rejects(createRedisState(redis.url, createLogger('silent', captureLogs().stream)))
})
