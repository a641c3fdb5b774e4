import t from 'tap'
import { HAL, accessToken, dwollaHeaders, simulator } from '../../support/simulator.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

interface Partners {
  _links: { self: { href: string } }
  _embedded: { 'exchange-partners': Array<{ _links: { self: { href: string } }; id: string; name: string; status: string; created: string }> }
  total: number
}

t.test('GET /exchange-partners lists Dwolla\'s partners as HAL, linked on the request\'s origin', async (t) => {
  const app = await simulator(t)
  const response = await app.inject({
    method: 'GET', url: '/exchange-partners', headers: { ...dwollaHeaders(await accessToken(app)), host: 'dwolla.test:8443' }
  })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^application\/vnd\.dwolla\.v1\.hal\+json/)
  const body = response.json<Partners>()
  t.same(body._links.self, { href: 'http://dwolla.test:8443/exchange-partners', type: HAL, 'resource-type': 'exchange-partner' })
  t.equal(body.total, 5)
  const partners = body._embedded['exchange-partners']
  t.same(partners.map(({ name }) => name), ['Finicity', 'MX', 'Flinks', 'Plaid', 'Visa'])
  for (const partner of partners) {
    t.match(partner.id, UUID)
    t.same(partner._links.self, { href: `http://dwolla.test:8443/exchange-partners/${partner.id}`, type: HAL, 'resource-type': 'exchange-partner' })
    t.equal(partner.status, 'active')
    t.equal(new Date(partner.created).toISOString(), partner.created)
  }
})

t.test('partner ids differ between simulators, so clients cannot hard-code them', async (t) => {
  const ids = []
  for (const app of [await simulator(t), await simulator(t)]) {
    const response = await app.inject({ method: 'GET', url: '/exchange-partners', headers: dwollaHeaders(await accessToken(app)) })
    ids.push(response.json<Partners>()._embedded['exchange-partners'].map(({ id }) => id))
  }
  t.not(ids[0]?.[0], ids[1]?.[0])
})

t.test('an unknown path is Dwolla\'s NotFound', async (t) => {
  const app = await simulator(t)
  const response = await app.inject({ method: 'GET', url: '/funding-sources', headers: dwollaHeaders(await accessToken(app)) })
  t.equal(response.statusCode, 404)
  t.match(response.headers['content-type'], /^application\/vnd\.dwolla\.v1\.hal\+json/)
  t.same(response.json(), { code: 'NotFound', message: 'The requested resource was not found.' })
})
