import { Histogram, Registry } from 'prom-client'
import t from 'tap'
import { KeyedHistogram } from '../../src/metrics/keyed-histogram.js'

const options = { name: 'call_seconds', help: 'Calls.', buckets: [0.01, 0.1, 1] }
/** The same observations in prom-client's own histogram and in ours, each in a registry of its own. */
function pair () {
  const theirs = new Registry()
  const ours = new Registry()
  const reference = new Histogram({ ...options, labelNames: ['operation', 'status'], registers: [theirs] })
  const keyed = new KeyedHistogram({ ...options, labelNames: ['operation', 'status'] as const, registers: [ours] })
  const observe = (operation: string, status: string, value: number) => {
    reference.observe({ operation, status }, value)
    keyed.record({ operation, status }, value)
  }
  return { theirs, ours, keyed, observe }
}

t.test('scrapes as prom-client scrapes its own histogram: buckets on their bounds, above every bound, sums and counts per series', async (t) => {
  const { theirs, ours, observe } = pair()
  for (const value of [0.001, 0.01, 0.0100001, 0.1, 0.5, 1, 7]) observe('create', '201', value)
  observe('create', '500', 0.2)
  observe('retrieve', '200', 0.05)
  const text = await ours.metrics()
  t.equal(text, await theirs.metrics())
  t.match(text, /call_seconds_bucket\{le="0.01",operation="create",status="201"\} 2\n/, 'a value on a bound is in that bucket')
  t.match(text, /call_seconds_bucket\{le="1",operation="create",status="201"\} 6\n/)
  t.match(text, /call_seconds_bucket\{le="\+Inf",operation="create",status="201"\} 7\n/, 'a value above every bound is only in +Inf')
  // prom-client adds an empty exemplar to some of its values; ours keep none.
  const theirJson = (await theirs.getMetricsAsJSON()).map((metric) => ({
    ...metric,
    values: metric.values.map((value) => Object.fromEntries(Object.entries(value).filter(([key, field]) => key !== 'exemplar' || field !== null && field !== undefined)))
  }))
  t.same(await ours.getMetricsAsJSON(), theirJson, 'and answers the registry JSON alike')
})

t.test('counts() gives each series its labels and number of observations', async (t) => {
  const { keyed, observe } = pair()
  observe('create', '201', 0.02)
  observe('create', '201', 0.03)
  observe('token', 'error', 3)
  t.same([...keyed.counts()], [[{ operation: 'create', status: '201' }, 2], [{ operation: 'token', status: 'error' }, 1]])
})

t.test("the registry's reset empties it", async (t) => {
  const { theirs, ours, observe } = pair()
  observe('create', '201', 0.02)
  ours.resetMetrics()
  theirs.resetMetrics()
  t.equal(await ours.metrics(), await theirs.metrics())
  t.same([...(ours.getSingleMetric('call_seconds') as unknown as KeyedHistogram<string>).counts()], [])
})
