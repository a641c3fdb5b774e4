import t from 'tap'
import { createRateLimitCircuit, retryAfterSeconds, retryDelayMs } from '../../src/dwolla/resilience.js'
import { Problem } from '../../src/problems.js'

t.test('retry delays: exponential with full jitter, within the attempt and time budgets', async (t) => {
  const full = () => 1
  t.equal(retryDelayMs({ attempts: 1, retryable: true, remainingMs: 5000 }, full), 50)
  t.equal(retryDelayMs({ attempts: 2, retryable: true, remainingMs: 5000 }, full), 100)
  t.equal(retryDelayMs({ attempts: 2, retryable: true, remainingMs: 5000 }, () => 0.25), 25, 'jittered')
  t.equal(retryDelayMs({ attempts: 3, retryable: true, remainingMs: 5000 }, full), undefined, 'three attempts at most')
  t.equal(retryDelayMs({ attempts: 1, retryable: false, remainingMs: 5000 }, full), undefined, 'not worth retrying')
  t.equal(retryDelayMs({ attempts: 1, retryable: true, remainingMs: 50 }, full), undefined, 'no time left for the wait')
  t.equal(retryDelayMs({ attempts: 1, retryable: true, remainingMs: 51 }, full), 50)
})

t.test("Retry-After in seconds, else a minute's pause", async (t) => {
  t.equal(retryAfterSeconds('120'), 120)
  t.equal(retryAfterSeconds('0'), 0)
  t.equal(retryAfterSeconds(undefined), 60)
  t.equal(retryAfterSeconds('Wed, 21 Oct 2026 07:28:00 GMT'), 60)
  t.equal(retryAfterSeconds('-5'), 60)
  t.equal(retryAfterSeconds(['1', '2']), 60)
})

t.test('the rate-limit circuit fails fast until the pause is over', async (t) => {
  let now = 0
  const circuit = createRateLimitCircuit(() => now)
  circuit.check()
  const tripped = circuit.trip(30)
  t.type(tripped, Problem)
  t.match(tripped, { code: 'UPSTREAM_UNAVAILABLE', retryAfter: 30 })
  now = 10_500
  t.throws(() => circuit.check(), { code: 'UPSTREAM_UNAVAILABLE', retryAfter: 20 })
  t.match(circuit.trip(5), { retryAfter: 20 }, 'a shorter pause does not shorten the current one')
  now = 30_000
  circuit.check()
  t.pass('closed again once the pause is over')
})
