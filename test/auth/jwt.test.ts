import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import { startStack } from '../support/stack.js'
import { AUDIENCE, ec, forgedToken, hsEnv, hsToken, ISSUER, jwk, rsa, HS256_SECRET, token } from '../support/tokens.js'

const json = (customerId: string, bearer: string | undefined, headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url: `/v1/customers/${customerId}/exchange-sessions`,
  headers: { 'content-type': 'application/json', ...(bearer !== undefined && { authorization: bearer }), ...headers },
  payload: JSON.stringify({ partner: 'mx' })
})
const now = () => Math.floor(Date.now() / 1000)

t.test('HS256: a valid token for the caller\'s own customer creates the session', async (t) => {
  const { app, customerId } = await startStack(t, { env: hsEnv })
  const response = await app.inject(json(customerId, `Bearer ${token(customerId)}`))
  t.equal(response.statusCode, 201)
  t.equal((await app.inject(json(customerId, `bearer  ${token(customerId)}`))).statusCode, 201, 'the scheme is case-insensitive')
})

t.test('every way a token can fail is a 401 that reaches nothing of Dwolla', async (t) => {
  const { app, sim, customerId } = await startStack(t, { env: hsEnv })
  const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', dwolla_customer_id: customerId }
  const invalid = 'Bearer realm="dwolla-open-banking-bff", error="invalid_token"'
  const plain = 'Bearer realm="dwolla-open-banking-bff"'
  const cases: Array<{ name: string, authorization: string | undefined, challenge: string, detail?: RegExp }> = [
    { name: 'missing', authorization: undefined, challenge: plain },
    { name: 'another scheme', authorization: `Basic ${Buffer.from('a:b').toString('base64')}`, challenge: plain },
    { name: 'Bearer without a token', authorization: 'Bearer ', challenge: plain },
    { name: 'not a JWT', authorization: 'Bearer not.a.jwt', challenge: invalid, detail: /token/ },
    { name: 'wrong key', authorization: `Bearer ${token(customerId, { key: 'another-secret-of-at-least-32-bytes-long' })}`, challenge: invalid, detail: /signature/ },
    { name: 'expired beyond the clock skew', authorization: `Bearer ${token(customerId, { issuedAt: Date.now() - 120_000 })}`, challenge: invalid, detail: /expired/ },
    { name: 'not yet valid', authorization: `Bearer ${token(customerId, { notBefore: 120_000 })}`, challenge: invalid, detail: /will be active/ },
    { name: 'wrong issuer', authorization: `Bearer ${token(customerId, { iss: 'https://evil.example.com/' })}`, challenge: invalid, detail: /iss/ },
    { name: 'wrong audience', authorization: `Bearer ${token(customerId, { aud: 'another-api' })}`, challenge: invalid, detail: /aud/ },
    { name: 'no exp', authorization: `Bearer ${token(customerId, { expiresIn: null })}`, challenge: invalid, detail: /exp/ },
    { name: 'an empty sub', authorization: `Bearer ${token(customerId, { sub: '' })}`, challenge: invalid, detail: /sub claim must be a non-empty string/ },
    { name: 'a sub that is not a string', authorization: `Bearer ${token(customerId, { sub: 42 })}`, challenge: invalid, detail: /sub claim must be a non-empty string/ },
    { name: 'issued in the future beyond the clock skew', authorization: `Bearer ${token(customerId, { issuedAt: Date.now() + 60_000 })}`, challenge: invalid, detail: /issued in the future/ },
    { name: 'an iat that is not a number', authorization: `Bearer ${hsToken({ ...claims, iat: 'yesterday', exp: now() + 60 })}`, challenge: invalid, detail: /iat claim must be a number/ },
    { name: 'a lifetime over 24 h', authorization: `Bearer ${token(customerId, { expiresIn: 24 * 3600_000 + 1000 })}`, challenge: invalid, detail: /lifetime \(exp - iat\) exceeds 86400 seconds/ },
    { name: 'no iat and valid for over 24 h from now', authorization: `Bearer ${token(customerId, { issuedAt: null, expiresIn: 24 * 3600_000 + 60_000 })}`, challenge: invalid, detail: /lifetime/ },
    { name: 'alg none', authorization: `Bearer ${forgedToken({ alg: 'none', typ: 'JWT' }, { ...claims, exp: now() + 60 })}`, challenge: invalid },
    { name: 'RS256 where HS256 is configured', authorization: `Bearer ${token(customerId, { key: rsa.privatePem, algorithm: 'RS256' })}`, challenge: invalid }
  ]
  for (const { name, authorization, challenge, detail } of cases) {
    const response = await app.inject(json(customerId, authorization))
    t.equal(response.statusCode, 401, name)
    t.equal(response.headers['www-authenticate'], challenge, `${name}: the challenge`)
    t.match(response.headers['content-type'], /^application\/problem\+json/)
    t.match(response.json(), { code: 'UNAUTHENTICATED', status: 401, type: '/problems/unauthenticated', detail: detail ?? String }, name)
  }
  t.same(sim.calls, [], 'Dwolla saw nothing')
  const justExpired = token(customerId, { issuedAt: Date.now() - 70_000 })
  t.equal((await app.inject(json(customerId, `Bearer ${justExpired}`))).statusCode, 201, 'expired 10 s ago: within the clock skew')
  const accepted: Array<[string, string]> = [
    ['issued 20 s ahead: within the clock skew', token(customerId, { issuedAt: Date.now() + 20_000 })],
    ['a lifetime of exactly 24 h', token(customerId, { expiresIn: 24 * 3600_000 })],
    ['no iat, valid for an hour from now', token(customerId, { issuedAt: null, expiresIn: 3600_000 })]
  ]
  for (const [name, bearer] of accepted) t.equal((await app.inject(json(customerId, `Bearer ${bearer}`))).statusCode, 201, name)
})

t.test('JWT_MAX_LIFETIME_SECONDS sets the longest lifetime accepted', async (t) => {
  const { app, customerId } = await startStack(t, { env: { ...hsEnv, JWT_MAX_LIFETIME_SECONDS: '3600' } })
  const long = await app.inject(json(customerId, `Bearer ${token(customerId, { expiresIn: 2 * 3600_000 })}`))
  t.equal(long.statusCode, 401)
  t.match(long.json(), { code: 'UNAUTHENTICATED', detail: /exceeds 3600 seconds/ })
  t.equal((await app.inject(json(customerId, `Bearer ${token(customerId, { expiresIn: 3600_000 })}`))).statusCode, 201)
})

t.test('RS256 and ES256 public keys verify their own algorithm only', async (t) => {
  for (const [name, pair, algorithm] of [['RS256', rsa, 'RS256'], ['ES256', ec, 'ES256']] as const) {
    const { app, sim, customerId } = await startStack(t, { env: { ...hsEnv, JWT_SECRET: '', JWT_PUBLIC_KEY: pair.publicPem.replaceAll('\n', '\\n') } })
    t.equal((await app.inject(json(customerId, `Bearer ${token(customerId, { key: pair.privatePem, algorithm })}`))).statusCode, 201, name)
    // Algorithm confusion: an HS256 token whose HMAC key is the public key itself.
    const confused = token(customerId, { key: pair.publicPem, algorithm: 'HS256' })
    const response = await app.inject(json(customerId, `Bearer ${confused}`))
    t.equal(response.statusCode, 401, `${name}: HS256 signed with the public key`)
    t.equal(response.headers['www-authenticate'], 'Bearer realm="dwolla-open-banking-bff", error="invalid_token"')
    t.equal(sim.count('exchangeSessions'), 1, `${name}: only the valid token created a session`)
  }
})

t.test('JWKS: keys fetched from the endpoint, its query string kept, and cached', async (t) => {
  const keys = [jwk(rsa.publicKey, 'key-1', 'RS256'), jwk(ec.publicKey, 'key-2', 'ES256')]
  let fetches = 0
  const jwks = createServer((request, response) => {
    fetches++
    response.setHeader('content-type', 'application/json')
    response.end(request.url === '/.well-known/jwks.json?tenant=1' ? JSON.stringify({ keys }) : '{}')
  })
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { jwks.close() })
  const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json?tenant=1`
  const { app, sim, customerId } = await startStack(t, { env: { ...hsEnv, JWT_SECRET: '', JWT_JWKS_URL: url } })

  const first = token(customerId, { key: rsa.privatePem, algorithm: 'RS256', kid: 'key-1' })
  t.equal((await app.inject(json(customerId, `Bearer ${first}`))).statusCode, 201)
  t.equal((await app.inject(json(customerId, `Bearer ${first}`))).statusCode, 201)
  const second = token(customerId, { key: ec.privatePem, algorithm: 'ES256', kid: 'key-2' })
  t.equal((await app.inject(json(customerId, `Bearer ${second}`))).statusCode, 201, 'each listed key verifies its own algorithm')
  t.equal(fetches, 1, 'the set is cached')

  const failures: Array<[string, string]> = [
    ['an unknown kid', token(customerId, { key: rsa.privatePem, algorithm: 'RS256', kid: 'key-9' })],
    ['no kid', token(customerId, { key: ec.privatePem, algorithm: 'ES256' })],
    ['HS256 with the listed public key as secret', token(customerId, { key: ec.publicPem, algorithm: 'HS256', kid: 'key-2' })],
    ['signed by another key under a listed kid', token(customerId, { key: rsa.privatePem, algorithm: 'RS256', kid: 'key-2' })]
  ]
  for (const [name, bad] of failures) {
    const response = await app.inject(json(customerId, `Bearer ${bad}`))
    t.equal(response.statusCode, 401, name)
    t.match(response.json(), { code: 'UNAUTHENTICATED' }, name)
  }
  t.equal(sim.count('exchangeSessions'), 3)
})

t.test('a caller acts only for the customer its token names', async (t) => {
  const { app, sim, customerId } = await startStack(t, { env: { ...hsEnv, JWT_CUSTOMER_CLAIM: 'https://example.com/dwolla' } })
  const own = (claim: unknown) => token(customerId, { claims: { 'https://example.com/dwolla': claim } })
  const cases: Array<[string, string, string]> = [
    ['another customer', own(randomUUID()), customerId],
    ['another customer in the path', own(customerId), randomUUID()],
    ['no customer claim', token(customerId), customerId],
    ['a claim that is not a string', own([customerId]), customerId],
    ['the id in another case', own(customerId.toUpperCase()), customerId]
  ]
  for (const [name, bearer, pathCustomer] of cases) {
    const response = await app.inject(json(pathCustomer, `Bearer ${bearer}`))
    t.equal(response.statusCode, 403, name)
    t.match(response.json(), { code: 'FORBIDDEN', status: 403, type: '/problems/forbidden' }, name)
  }
  t.same(sim.calls, [], 'Dwolla saw nothing')
  t.equal((await app.inject(json(customerId, `Bearer ${own(customerId)}`))).statusCode, 201, 'the configured claim')
})

t.test('health and the service description need no token', async (t) => {
  const { app } = await startStack(t, { env: hsEnv })
  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/' })).statusCode, 200)
})

t.test('a /v1 route registered later is guarded too', async (t) => {
  const { app } = await startStack(t, { env: { ...hsEnv, JWT_SECRET: HS256_SECRET } })
  t.equal(app.hasRoute({ method: 'POST', url: '/v1/customers/:customerId/exchange-sessions' }), true)
  t.equal((await app.inject({ method: 'POST', url: `/v1/customers/${randomUUID()}/exchange-sessions` })).statusCode, 401)
})
