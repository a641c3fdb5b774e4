import t from 'tap'
import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import type { Test } from 'tap'
import { startStack } from '../support/stack.js'
import { hsEnv, token } from '../support/tokens.js'

// Property tests: whatever arrives at the edge, the service answers it (never 5xx, never a hang) and
// only a request it accepts reaches Dwolla.

const visible = fc.stringMatching(/^[\x20-\x7e]*$/)
const jsonText = fc.oneof(
  fc.constantFrom('{"partner":"mx"}', '{"partner":"plaid","platform":"web"}'),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.record({
    partner: fc.oneof(fc.constantFrom('visa', 'plaid', 'mx'), fc.string({ unit: 'binary' })),
    platform: fc.option(fc.oneof(fc.constantFrom('web', 'ios', 'android'), fc.string({ unit: 'binary' })), { nil: undefined }),
    redirectUrl: fc.option(fc.oneof(fc.webUrl(), fc.string({ unit: 'binary', maxLength: 3000 })), { nil: undefined })
  }).map((body) => JSON.stringify(body)),
  fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.jsonValue())
    .map(([key, value]) => `{"partner":"mx","${key}":${JSON.stringify(value ?? null)}}`),
  fc.constant('{"partner":"mx","constructor":{"prototype":{"polluted":true}}}'),
  fc.integer({ min: 1, max: 1700 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.integer({ min: 1, max: 4100 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 0, max: 40_000 }).map((length) => JSON.stringify({ partner: 'visa', redirectUrl: 'h'.repeat(length) })),
  fc.string({ unit: 'binary', maxLength: 200 })
)
const contentType = fc.constantFrom(
  'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json; charset=utf-16',
  'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx',
  'application/problem+json', '', undefined
)

async function exercise (t: Test, arbitrary: fc.Arbitrary<(customerId: string, bearer: string) => InjectOptions>, numRuns: number) {
  const { app, sim, customerId } = await startStack(t, { env: { ...hsEnv, RATE_LIMIT_MAX: '100000', LOG_LEVEL: 'warn' } })
  const bearer = `Bearer ${token(customerId)}`
  let accepted = 0
  await fc.assert(fc.asyncProperty(arbitrary, async (request) => {
    const before = sim.calls.length
    const response = await app.inject(request(customerId, bearer))
    if (response.statusCode >= 500) return false
    if (response.statusCode === 201) { accepted++; return true }
    return sim.calls.length === before && /^application\/problem\+json/.test(String(response.headers['content-type']))
  }), { numRuns })
  return accepted
}

t.test('any body: never a 5xx, and nothing reaches Dwolla unless the request is accepted', async (t) => {
  const request = fc.tuple(jsonText, contentType).map(([payload, type]) => (customerId: string, bearer: string): InjectOptions => ({
    method: 'POST',
    url: `/v1/customers/${customerId}/exchange-sessions`,
    headers: { authorization: bearer, ...(type !== undefined && { 'content-type': type }) },
    payload
  }))
  const accepted = await exercise(t, request, 400)
  t.ok(accepted > 0, `the generator also reaches the happy path (${accepted} accepted)`)
})

t.test('any headers and path: never a 5xx, and nothing reaches Dwolla unless accepted', async (t) => {
  const request = fc.record({
    authorization: fc.option(fc.oneof(visible, visible.map((text) => `Bearer ${text}`)), { nil: undefined }),
    validToken: fc.boolean(),
    idempotencyKey: fc.option(visible, { nil: undefined }),
    origin: fc.option(visible, { nil: undefined }),
    cookie: fc.option(visible, { nil: undefined }),
    customer: fc.option(fc.oneof(fc.uuid(), visible.map(encodeURIComponent)), { nil: undefined })
  }).map((generated) => (customerId: string, bearer: string): InjectOptions => {
    const authorization = generated.validToken ? bearer : generated.authorization
    return {
      method: 'POST',
      url: `/v1/customers/${generated.customer ?? customerId}/exchange-sessions`,
      headers: {
        'content-type': 'application/json',
        ...(authorization !== undefined && { authorization }),
        ...(generated.idempotencyKey !== undefined && { 'idempotency-key': generated.idempotencyKey }),
        ...(generated.origin !== undefined && { origin: generated.origin }),
        ...(generated.cookie !== undefined && { cookie: generated.cookie })
      },
      payload: '{"partner":"plaid"}'
    }
  })
  const accepted = await exercise(t, request, 300)
  t.ok(accepted > 0, `the generator also reaches the happy path (${accepted} accepted)`)
})

t.test('logs never carry a caller token, a cookie or a Dwolla credential', async (t) => {
  const { app, logs, config, sim, customerId } = await startStack(t, { env: { ...hsEnv, AUTH_COOKIE: 'session', CORS_ORIGINS: 'https://app.example.com' } })
  const url = `/v1/customers/${customerId}/exchange-sessions`
  const good = token(customerId)
  const expired = token(customerId, { issuedAt: Date.now() - 3_600_000 })
  const cookieToken = token(customerId, { sub: 'cookie-user' })
  const json = { 'content-type': 'application/json' }
  await app.inject({ method: 'POST', url, headers: { ...json, authorization: `Bearer ${good}` }, payload: '{"partner":"plaid"}' })
  await app.inject({ method: 'POST', url, headers: { ...json, authorization: `Bearer ${expired}` }, payload: '{"partner":"plaid"}' })
  await app.inject({ method: 'POST', url, headers: { ...json, cookie: `session=${cookieToken}`, origin: 'https://app.example.com', 'x-requested-with': 'fetch' }, payload: '{"partner":"mx"}' })
  await app.inject({ method: 'POST', url, headers: { ...json, cookie: `session=${cookieToken}` }, payload: '{"partner":"mx"}' })
  sim.fault({ method: 'POST', route: '/customers/:id/exchange-sessions', status: 500, body: { code: 'ServerError', message: 'boom' }, times: 3 })
  await app.inject({ method: 'POST', url, headers: { ...json, authorization: `Bearer ${good}` }, payload: '{"partner":"plaid"}' })

  const all = logs.lines.join('\n')
  t.ok(logs.records().some((record) => record.msg === 'request failed'), 'the 5xx was logged')
  for (const secret of [good, expired, cookieToken, ...good.split('.').slice(1), ...cookieToken.split('.').slice(1), hsEnv.JWT_SECRET, config.dwolla.key, config.dwolla.secret]) {
    t.notOk(all.includes(secret), 'a secret in the logs')
  }
  t.notMatch(all, /eyJ[A-Za-z0-9_-]{10,}/, 'nothing that looks like a JWT')
})
