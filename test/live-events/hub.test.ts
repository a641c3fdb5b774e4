import t from 'tap'
import { createLiveEvents, type LiveEvent } from '../../src/live-events/hub.js'
import { createMemoryState } from '../../src/shared-state.js'

const event = (id: string): LiveEvent => ({ id, type: 'funding-source.added', data: { fundingSourceId: 'fs' }, occurredAt: '2026-11-26T16:00:00.000Z' })

t.test('the events kept for resuming are bounded per customer and in customers', async (t) => {
  const state = createMemoryState()
  t.teardown(() => state.close())
  const live = await createLiveEvents(state)
  for (let index = 0; index < 60; index++) await live.publish('customer-0', event(`e${index}`))
  t.same(live.listen('customer-0', 'e9', () => {}).missed, [], 'the oldest ten are gone: fifty are kept')
  t.equal(live.listen('customer-0', 'e10', () => {}).missed.length, 49)

  for (let index = 1; index <= 10_000; index++) await live.publish(`customer-${index}`, event('only'))
  t.same(live.listen('customer-0', 'e10', () => {}).missed, [], 'the least recently active customer is forgotten')
  t.equal(live.listen('customer-1', 'only', () => {}).missed.length, 0)
  t.equal(live.listen('customer-10000', 'nope', () => {}).missed.length, 0)
})

t.test('two listeners of one customer each hear; one stopping leaves the other', async (t) => {
  const state = createMemoryState()
  t.teardown(() => state.close())
  const live = await createLiveEvents(state)
  const heard: string[] = []
  const first = live.listen('c', undefined, (received) => heard.push(`first ${received.id}`))
  const second = live.listen('c', undefined, (received) => heard.push(`second ${received.id}`))
  await live.publish('c', event('1'))
  first.stop()
  await live.publish('c', event('2'))
  second.stop()
  await live.publish('c', event('3'))
  t.same(heard, ['first 1', 'second 1', 'second 2'])
})
