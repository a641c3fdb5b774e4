import t from 'tap'
import type { Simulator } from '../../../src/simulator/app.js'
import { HAL, customerWithExchange, getHal } from '../../support/simulator.js'

/** A page of the event log, as a Dwolla client reads it. */
async function eventsPage (app: Simulator, token: string, query = '') {
  const response = await getHal(app, token, `/events${query}`)
  return { status: response.statusCode, body: response.json() }
}

const page = (query: string) => ({ href: `http://localhost:80/events?${query}`, type: HAL, 'resource-type': 'event' })

t.test('GET /events lists every event created, newest first, those delivered to nobody included', async (t) => {
  const { app, token, customerId, exchangeId } = await customerWithExchange(t)
  t.equal(app.sim.webhooks.subscriptions.size, 0, 'nobody subscribed')
  t.same(await eventsPage(app, token), {
    status: 200,
    body: { _links: { self: page('limit=25&offset=0'), first: page('limit=25&offset=0'), last: page('limit=25&offset=0') }, _embedded: { events: [] }, total: 0 }
  })
  for (let index = 0; index < 3; index++) app.sim.revokeAccess(exchangeId)
  const { body } = await eventsPage(app, token)
  t.equal(body.total, 3)
  const created = app.sim.webhooks.events
  t.same(body._embedded.events.map(({ id }: { id: string }) => id), created.map(({ id }) => id).reverse(), 'newest first')
  t.match(body._embedded.events[0], {
    id: created[2]?.id,
    topic: 'customer_exchange_reauth_required',
    resourceId: exchangeId,
    created: created[2]?.created,
    _links: {
      self: { href: `http://localhost:80/events/${created[2]?.id}` },
      resource: { href: `http://localhost:80/exchanges/${exchangeId}` },
      customer: { href: `http://localhost:80/customers/${customerId}` }
    }
  })
})

t.test("GET /events pages by limit and offset with Dwolla's links", async (t) => {
  const { app, token, exchangeId } = await customerWithExchange(t)
  for (let index = 0; index < 5; index++) app.sim.revokeAccess(exchangeId)
  const newestFirst = app.sim.webhooks.events.map(({ id }) => id).reverse()
  const ids = (body: { _embedded: { events: Array<{ id: string }> } }) => body._embedded.events.map(({ id }) => id)

  const first = (await eventsPage(app, token, '?limit=2')).body
  t.same(ids(first), newestFirst.slice(0, 2))
  t.same(first._links, { self: page('limit=2&offset=0'), first: page('limit=2&offset=0'), last: page('limit=2&offset=4'), next: page('limit=2&offset=2') })
  t.equal(first.total, 5)

  const middle = (await eventsPage(app, token, '?limit=2&offset=3')).body
  t.same(ids(middle), newestFirst.slice(3, 5))
  t.same(middle._links, { self: page('limit=2&offset=3'), first: page('limit=2&offset=0'), last: page('limit=2&offset=4'), prev: page('limit=2&offset=1') })
  t.same(ids((await eventsPage(app, token, '?offset=9')).body), [], 'past the end: an empty page')

  for (let index = 0; index < 200; index++) app.sim.revokeAccess(exchangeId)
  t.equal((await eventsPage(app, token, '?limit=500')).body._embedded.events.length, 200, 'a page holds 200 at most')
  for (const query of ['?limit=0', '?limit=x', '?offset=-1', '?limit=1.5']) {
    t.match(await eventsPage(app, token, query), { status: 400, body: { code: 'ValidationError' } }, query)
  }
})

t.test('GET /events/:id retrieves one event; an unknown one is 404', async (t) => {
  const { app, token, exchangeId } = await customerWithExchange(t)
  app.sim.revokeAccess(exchangeId)
  const [event] = app.sim.webhooks.events
  const retrieved = await getHal(app, token, `/events/${event?.id}`)
  t.equal(retrieved.statusCode, 200)
  t.same(retrieved.json(), event)
  const unknown = await getHal(app, token, '/events/74a207b2-b7b7-4efa-8bf8-582148e7b980')
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { code: 'NotFound' })
  t.equal((await app.inject({ method: 'GET', url: '/events' })).statusCode, 406, 'an API call like the others')
})
