import type { Test } from 'tap'
import type { SimulatorOptions } from '../../../src/simulator/app.js'
import t from 'tap'
import { HAL, accessToken, createSession, dwollaHeaders, partnerHref, simulator } from '../../support/simulator.js'

const SESSION_LOCATION = /^http:\/\/localhost:80\/exchange-sessions\/([0-9a-f-]{36})$/
const VALIDATION_MESSAGE = 'Validation error(s) present. See embedded errors list for more details.'

async function setup (t: Test, options: Partial<SimulatorOptions> = {}) {
  const app = await simulator(t, options)
  const token = await accessToken(app)
  const customerId = app.sim.createCustomer()
  const href = (name: string) => partnerHref(app, token, name)
  const retrieve = async (location: string) =>
    app.inject({ method: 'GET', url: new URL(location).pathname, headers: dwollaHeaders(token) })
  return { app, token, customerId, href, retrieve }
}

const invalid = (path: string, message = `${path} is invalid.`) => ({
  code: 'ValidationError',
  message: VALIDATION_MESSAGE,
  _embedded: { errors: [{ code: 'Invalid', message, path, _links: {} }] }
})

t.test('Visa with a redirect URL: 201, Location; the session links to the bank page', async (t) => {
  const { app, token, customerId, href, retrieve } = await setup(t)
  const partner = await href('Visa')
  const response = await createSession(app, token, customerId, {
    'exchange-partner': { href: partner }, 'redirect-url': { href: 'https://www.yourdomain.com/iav-callback' }
  })
  t.equal(response.statusCode, 201)
  t.equal(response.body, '')
  const location = response.headers.location as string
  const id = SESSION_LOCATION.exec(location)?.[1]
  t.ok(id)
  const session = await retrieve(location)
  t.equal(session.statusCode, 200)
  t.match(session.headers['content-type'], /^application\/vnd\.dwolla\.v1\.hal\+json/)
  t.same(session.json(), {
    created: session.json().created,
    _links: {
      self: { href: location, type: HAL, 'resource-type': 'exchange-sessions' },
      'exchange-partner': { href: partner, type: HAL, 'resource-type': 'exchange-partner' },
      'external-provider-session': { href: `http://localhost:80/simulator/bank/${id}`, type: HAL, 'resource-type': 'text/html' }
    }
  })
  t.equal(new Date(session.json().created).toISOString(), session.json().created)
  t.equal(app.sim.count('exchangeSessions'), 1)
})

t.test('Plaid on the web, Android and iOS: 201; the session carries a Link token', async (t) => {
  const { app, token, customerId, href, retrieve } = await setup(t)
  const partner = await href('Plaid')
  const bodies = [
    { 'exchange-partner': { href: partner } },
    { 'exchange-partner': { href: partner }, 'redirect-url': { href: 'com.example.app123' } },
    { 'exchange-partner': { href: partner }, 'redirect-url': { href: 'https://example.com/app123' } }
  ]
  const tokens = new Set()
  for (const links of bodies) {
    const response = await createSession(app, token, customerId, links)
    t.equal(response.statusCode, 201)
    t.match(response.headers.location, SESSION_LOCATION)
    const session = (await retrieve(response.headers.location as string)).json()
    t.match(session, { _links: { 'exchange-partner': { href: partner } }, externalProviderSessionToken: /^link-sandbox-[0-9a-f-]{36}$/ })
    t.notOk(session._links['external-provider-session'])
    tokens.add(session.externalProviderSessionToken)
  }
  t.equal(tokens.size, 3)
  t.equal(app.sim.count('exchangeSessions'), 3)
})

t.test('MX: 201; the session links to the bank page on publicUrl when one is set', async (t) => {
  const { app, token, customerId, href, retrieve } = await setup(t, { publicUrl: 'https://bank.example.test/' })
  const response = await createSession(app, token, customerId, { 'exchange-partner': { href: await href('MX') } })
  t.equal(response.statusCode, 201)
  const id = SESSION_LOCATION.exec(response.headers.location as string)?.[1]
  const session = (await retrieve(response.headers.location as string)).json()
  t.same(session._links['external-provider-session'], {
    href: `https://bank.example.test/simulator/bank/${id}`, type: HAL, 'resource-type': 'text/html'
  })
  t.notOk('externalProviderSessionToken' in session)
})

t.test('MX ignores a redirect URL: it has no redirect in its flow', async (t) => {
  const { app, token, customerId, href } = await setup(t)
  const response = await createSession(app, token, customerId, {
    'exchange-partner': { href: await href('MX') }, 'redirect-url': { href: 'https://not-registered.example/cb' }
  })
  t.equal(response.statusCode, 201)
})

t.test('an invalid or unknown exchange partner href is a ValidationError on its path', async (t) => {
  const { app, token, customerId, href } = await setup(t)
  const visa = await href('Visa')
  for (const partner of ['not a url', visa.replace(/[0-9a-f-]{36}$/, '74a207b2-b7b7-4efa-8bf8-582148e7b980'), `${visa}/extra`]) {
    const response = await createSession(app, token, customerId, {
      'exchange-partner': { href: partner }, 'redirect-url': { href: 'https://www.yourdomain.com/iav-callback' }
    })
    t.equal(response.statusCode, 400, partner)
    t.same(response.json(), invalid('/_links/exchange-partner/href'))
  }
  t.equal(app.sim.count('exchangeSessions'), 0)
})

t.test('a partner href on another origin still names the partner by its id', async (t) => {
  const { app, token, customerId, href } = await setup(t)
  const mx = (await href('MX')).replace('http://localhost:80', 'https://api-sandbox.dwolla.com')
  const response = await createSession(app, token, customerId, { 'exchange-partner': { href: mx } })
  t.equal(response.statusCode, 201)
})

t.test('a body that misses or mistypes members is a ValidationError', async (t) => {
  const { app, token, customerId } = await setup(t)
  const missing = await createSession(app, token, customerId, {})
  t.equal(missing.statusCode, 400)
  t.same(missing.json()._embedded.errors, [{ code: 'Required', message: 'Exchange-partner required.', path: '/_links/exchange-partner', _links: {} }])
  const mistyped = await createSession(app, token, customerId, { 'exchange-partner': { href: 42 as unknown as string } })
  t.equal(mistyped.statusCode, 400)
  t.same(mistyped.json(), invalid('/_links/exchange-partner/href'))
})

t.test('Finicity and Flinks do not support exchange sessions: 403 Forbidden', async (t) => {
  const { app, token, customerId, href } = await setup(t)
  for (const name of ['Finicity', 'Flinks']) {
    const response = await createSession(app, token, customerId, { 'exchange-partner': { href: await href(name) } })
    t.equal(response.statusCode, 403, name)
    t.same(response.json(), { code: 'Forbidden', message: 'The exchange partner specified does not support this product.' })
  }
})

t.test('an unknown customer is NotFound', async (t) => {
  const { app, token, href } = await setup(t)
  const response = await createSession(app, token, '74a207b2-b7b7-4efa-8bf8-582148e7b980', { 'exchange-partner': { href: await href('Plaid') } })
  t.equal(response.statusCode, 404)
  t.same(response.json(), { code: 'NotFound', message: 'The requested resource was not found.' })
})

t.test('a missing or malformed redirect URL is a ValidationError on /_links/redirect-url/href', async (t) => {
  const { app, token, customerId, href } = await setup(t)
  const visa = await href('Visa')
  const plaid = await href('Plaid')
  const cases: Array<[string, string | undefined]> = [
    [visa, undefined],
    [visa, 'com.example.app123'],
    [visa, 'www.yourdomain.com/iav-callback'],
    [plaid, 'not a package'],
    [plaid, 'ftp://example.com/app123']
  ]
  for (const [partner, redirect] of cases) {
    const response = await createSession(app, token, customerId, {
      'exchange-partner': { href: partner }, ...(redirect !== undefined && { 'redirect-url': { href: redirect } })
    })
    t.equal(response.statusCode, 400, String(redirect))
    t.same(response.json(), invalid('/_links/redirect-url/href'))
  }
  t.equal(app.sim.count('exchangeSessions'), 0)
})

t.test('a well-formed redirect URL that is not registered is rejected', async (t) => {
  const { app, token, customerId, href } = await setup(t)
  const message = 'The provided redirect URL must exactly match one of the configured URLs for the account.'
  const cases: Array<[string, string]> = [
    ['Visa', 'https://www.yourdomain.com/iav-callback/'],
    ['Visa', 'http://www.yourdomain.com/iav-callback'],
    ['Plaid', 'com.example.other'],
    ['Plaid', 'https://example.com/app1234']
  ]
  for (const [name, redirect] of cases) {
    const response = await createSession(app, token, customerId, {
      'exchange-partner': { href: await href(name) }, 'redirect-url': { href: redirect }
    })
    t.equal(response.statusCode, 400, redirect)
    t.same(response.json(), invalid('/_links/redirect-url/href', message))
  }
})

t.test('GET /exchange-sessions/:id of an unknown session is NotFound', async (t) => {
  const { app, token } = await setup(t)
  const response = await app.inject({ method: 'GET', url: '/exchange-sessions/fcd15e5f-8d13-4570-a9b7-7fb49e55941d', headers: dwollaHeaders(token) })
  t.equal(response.statusCode, 404)
  t.same(response.json(), { code: 'NotFound', message: 'The requested resource was not found.' })
})
