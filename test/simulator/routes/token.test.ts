import { setTimeout } from 'node:timers/promises'
import t from 'tap'
import { HAL, accessToken, basic, dwollaHeaders, simulator } from '../../support/simulator.js'

const FORM = 'application/x-www-form-urlencoded'

t.test('POST /token issues a bearer token for Basic client credentials', async (t) => {
  const app = await simulator(t)
  const response = await app.inject({
    method: 'POST', url: '/token', headers: { authorization: basic(), 'content-type': FORM }, payload: 'grant_type=client_credentials'
  })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^application\/json/)
  const body = response.json()
  t.match(body, { access_token: /^[\w-]{40,}$/, token_type: 'bearer', expires_in: 3600 })
  t.equal(app.sim.count('tokens'), 1)
  t.match(app.sim.calls, [{ method: 'POST', route: '/token', url: '/token', authorized: true, status: 200 }])
})

t.test('POST /token accepts client_id and client_secret in the form', async (t) => {
  const app = await simulator(t, { tokenTtlSeconds: 120 })
  const response = await app.inject({
    method: 'POST', url: '/token', headers: { 'content-type': `${FORM}; charset=utf-8` },
    payload: 'grant_type=client_credentials&client_id=test-key&client_secret=test-secret'
  })
  t.equal(response.statusCode, 200)
  t.equal(response.json().expires_in, 120)
})

t.test('POST /token rejects wrong credentials with OAuth invalid_client', async (t) => {
  const app = await simulator(t)
  for (const headers of [{ authorization: basic('test-key', 'wrong') }, { authorization: basic('other-key', 'test-secret') }, {}]) {
    const response = await app.inject({
      method: 'POST', url: '/token', headers: { ...headers, 'content-type': FORM }, payload: 'grant_type=client_credentials'
    })
    t.equal(response.statusCode, 401)
    t.same(response.json(), { error: 'invalid_client' })
  }
  t.equal(app.sim.count('tokens'), 0)
  t.same(app.sim.calls.map((call) => call.authorized), [false, false, false])
})

t.test('POST /token rejects any grant but client_credentials, and a missing one', async (t) => {
  const app = await simulator(t)
  const password = await app.inject({
    method: 'POST', url: '/token', headers: { authorization: basic(), 'content-type': FORM }, payload: 'grant_type=password'
  })
  t.equal(password.statusCode, 400)
  t.same(password.json(), { error: 'unsupported_grant_type' })
  const empty = await app.inject({ method: 'POST', url: '/token', headers: { authorization: basic() } })
  t.equal(empty.statusCode, 400)
  t.same(empty.json(), { error: 'unsupported_grant_type' })
  t.equal(app.sim.count('tokens'), 0)
})

t.test('API requests need a bearer token: missing, not bearer, unknown', async (t) => {
  const app = await simulator(t)
  const missing = await app.inject({ method: 'GET', url: '/exchange-partners', headers: { accept: HAL } })
  t.equal(missing.statusCode, 401)
  t.match(missing.headers['content-type'], /^application\/vnd\.dwolla\.v1\.hal\+json/)
  t.same(missing.json(), { code: 'InvalidCredentials', message: 'Missing or invalid Authorization header.' })
  const notBearer = await app.inject({ method: 'GET', url: '/exchange-partners', headers: { accept: HAL, authorization: basic() } })
  t.equal(notBearer.json().code, 'InvalidCredentials')
  const unknown = await app.inject({ method: 'GET', url: '/exchange-partners', headers: dwollaHeaders('not-a-token') })
  t.equal(unknown.statusCode, 401)
  t.same(unknown.json(), { code: 'InvalidAccessToken', message: 'Invalid access token.' })
  t.same(app.sim.calls.map(({ authorized, status }) => ({ authorized, status })), [
    { authorized: false, status: 401 }, { authorized: false, status: 401 }, { authorized: false, status: 401 }
  ])
})

t.test('expireTokens() expires every issued token; new ones work', async (t) => {
  const app = await simulator(t)
  const token = await accessToken(app)
  const before = await app.inject({ method: 'GET', url: '/exchange-partners', headers: dwollaHeaders(token) })
  t.equal(before.statusCode, 200)
  app.sim.expireTokens()
  const after = await app.inject({ method: 'GET', url: '/exchange-partners', headers: dwollaHeaders(token) })
  t.equal(after.statusCode, 401)
  t.same(after.json(), { code: 'ExpiredAccessToken', message: 'Generate a new access token using your client credentials.' })
  const fresh = await app.inject({ method: 'GET', url: '/exchange-partners', headers: dwollaHeaders(await accessToken(app)) })
  t.equal(fresh.statusCode, 200)
})

t.test('a token expires after its ttl', async (t) => {
  const app = await simulator(t, { tokenTtlSeconds: 0.05 })
  const token = await accessToken(app)
  t.equal((await app.inject({ method: 'GET', url: '/exchange-partners', headers: dwollaHeaders(token) })).statusCode, 200)
  await setTimeout(80)
  const expired = await app.inject({ method: 'GET', url: '/exchange-partners', headers: dwollaHeaders(token) })
  t.equal(expired.json().code, 'ExpiredAccessToken')
})

t.test('API requests need Accept: application/vnd.dwolla.v1.hal+json', async (t) => {
  const app = await simulator(t)
  const token = await accessToken(app)
  for (const accept of ['application/json', 'application/vnd.dwolla.v2.hal+json', undefined]) {
    const response = await app.inject({
      method: 'GET', url: '/exchange-partners', headers: { authorization: `Bearer ${token}`, ...(accept && { accept }) }
    })
    t.equal(response.statusCode, 406, String(accept))
    t.same(response.json(), { code: 'InvalidVersion', message: 'Missing or invalid API version.' })
  }
  const listed = await app.inject({
    method: 'GET', url: '/exchange-partners', headers: { authorization: `Bearer ${token}`, accept: `text/html, ${HAL}; q=0.9` }
  })
  t.equal(listed.statusCode, 200)
})
