import t from 'tap'
import { accessToken, createSession, partnerHref, postHal, simulator } from '../support/simulator.js'

const ROUTE = '/customers/:id/exchange-sessions'

async function setup (t: Parameters<typeof simulator>[0]) {
  const app = await simulator(t)
  const token = await accessToken(app)
  const customerId = app.sim.createCustomer()
  const links = { 'exchange-partner': { href: await partnerHref(app, token, 'Plaid') } }
  return { app, token, customerId, links }
}

t.test('a repeated POST with the same Idempotency-Key and body answers the original 201 and Location', async (t) => {
  const { app, token, customerId, links } = await setup(t)
  const key = { 'idempotency-key': '19051a62-3403-11e6-ac61-9e71128cae77' }
  const first = await createSession(app, token, customerId, links, { headers: key })
  const again = await createSession(app, token, customerId, links, { headers: key })
  t.equal(first.statusCode, 201)
  t.equal(again.statusCode, 201)
  t.equal(again.headers.location, first.headers.location)
  t.equal(app.sim.count('exchangeSessions'), 1)
  t.match(app.sim.calls.filter((call) => call.route === ROUTE), [
    { method: 'POST', idempotencyKey: key['idempotency-key'], authorized: true, status: 201 },
    { method: 'POST', idempotencyKey: key['idempotency-key'], authorized: true, status: 201 }
  ])
})

t.test('the key alone is matched: another body or another path with it replays the first answer; no key creates', async (t) => {
  const { app, token, customerId, links } = await setup(t)
  const key = { 'idempotency-key': 'k-1' }
  const first = await createSession(app, token, customerId, links, { headers: key })
  const otherBody = await createSession(app, token, customerId, { ...links, 'redirect-url': { href: 'com.example.app123' } }, { headers: key })
  const otherCustomer = await createSession(app, token, app.sim.createCustomer(), links, { headers: key })
  const otherPath = await postHal(app, token, `/customers/${customerId}/exchanges`, { _links: links, plaid: { publicToken: 'unused' } }, { headers: key })
  for (const replayed of [otherBody, otherCustomer, otherPath]) {
    t.equal(replayed.statusCode, 201)
    t.equal(replayed.headers.location, first.headers.location)
  }
  t.equal(app.sim.count('exchangeSessions'), 1)
  const noKey = await createSession(app, token, customerId, links)
  t.equal(noKey.statusCode, 201)
  t.not(noKey.headers.location, first.headers.location)
  t.equal(app.sim.count('exchangeSessions'), 2)
})

t.test('a failed POST is not replayed: the corrected retry with the same key creates the session', async (t) => {
  const { app, token, customerId, links } = await setup(t)
  const key = { 'idempotency-key': 'k-2' }
  const failed = await createSession(app, token, '00000000-0000-4000-8000-000000000000', links, { headers: key })
  t.equal(failed.statusCode, 404)
  const retried = await createSession(app, token, customerId, links, { headers: key })
  t.equal(retried.statusCode, 201)
})

t.test('a POST whose key is still being processed is a 409 Conflict', async (t) => {
  const { app, token, customerId, links } = await setup(t)
  const key = { 'idempotency-key': 'k-3' }
  app.sim.fault({ method: 'POST', route: ROUTE, delayMs: 150 })
  const slow = createSession(app, token, customerId, links, { headers: key })
  await new Promise((resolve) => setTimeout(resolve, 30))
  const concurrent = await createSession(app, token, customerId, links, { headers: key })
  t.equal(concurrent.statusCode, 409)
  t.same(concurrent.json(), { code: 'Conflict', message: 'A request with this Idempotency-Key is still being processed.' })
  const first = await slow
  t.equal(first.statusCode, 201)
  const replay = await createSession(app, token, customerId, links, { headers: key })
  t.equal(replay.statusCode, 201)
  t.equal(replay.headers.location, first.headers.location)
  t.equal(app.sim.count('exchangeSessions'), 1)
})
