import t from 'tap'
import Fastify from 'fastify'
import { securityHeaders } from '../../src/plugins/security-headers.js'
import { startStack } from '../support/stack.js'
import { hsEnv, token } from '../support/tokens.js'

const APP_ORIGIN = 'https://app.example.com'
const cookieEnv = { ...hsEnv, AUTH_COOKIE: '__Host-session', CORS_ORIGINS: `${APP_ORIGIN}, http://localhost:5173` }
const create = (customerId: string, headers: Record<string, string>) => ({
  method: 'POST' as const,
  url: `/v1/customers/${customerId}/exchange-sessions`,
  headers: { 'content-type': 'application/json', ...headers },
  payload: JSON.stringify({ partner: 'mx' })
})

t.test('cookie mode: a state change needs an allowed Origin and the custom header', async (t) => {
  const { app, sim, customerId } = await startStack(t, { env: cookieEnv })
  const cookie = `theme=dark; __Host-session=${token(customerId)}`
  const fetchHeader = { 'x-requested-with': 'fetch' }
  const refused: Array<[string, Record<string, string>, number]> = [
    ['no Origin', { cookie, ...fetchHeader }, 403],
    ['a foreign Origin', { cookie, origin: 'https://evil.example.com', ...fetchHeader }, 403],
    ['no custom header (a form post)', { cookie, origin: APP_ORIGIN }, 403],
    ['another custom header value', { cookie, origin: APP_ORIGIN, 'x-requested-with': 'XMLHttpRequest' }, 403],
    ['no cookie at all', { origin: APP_ORIGIN, ...fetchHeader }, 401],
    ['another cookie only', { cookie: 'session=x', origin: APP_ORIGIN, ...fetchHeader }, 401],
    ['an invalid cookie token', { cookie: '__Host-session=not-a-jwt', origin: APP_ORIGIN, ...fetchHeader }, 401]
  ]
  for (const [name, headers, status] of refused) {
    const response = await app.inject(create(customerId, headers))
    t.equal(response.statusCode, status, name)
    t.match(response.json(), { code: status === 403 ? 'FORBIDDEN' : 'UNAUTHENTICATED' }, name)
  }
  t.same(sim.calls, [], 'Dwolla saw nothing')

  const allowed = await app.inject(create(customerId, { cookie, origin: APP_ORIGIN, ...fetchHeader }))
  t.equal(allowed.statusCode, 201)
  t.equal(allowed.headers['access-control-allow-origin'], APP_ORIGIN)
  t.equal(allowed.headers['access-control-allow-credentials'], 'true')
  const bearer = await app.inject(create(customerId, { authorization: `Bearer ${token(customerId)}` }))
  t.equal(bearer.statusCode, 201, 'a bearer token needs neither: browsers never attach it on their own')
})

t.test('CORS: preflights from allowed origins succeed; foreign origins get no CORS header', async (t) => {
  const { app, customerId } = await startStack(t, { env: cookieEnv })
  const url = `/v1/customers/${customerId}/exchange-sessions`
  const preflight = (origin: string) => app.inject({
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, idempotency-key, x-requested-with' }
  })
  const allowed = await preflight('http://localhost:5173')
  t.equal(allowed.statusCode, 204)
  t.equal(allowed.headers['access-control-allow-origin'], 'http://localhost:5173')
  t.equal(allowed.headers['access-control-allow-credentials'], 'true')
  t.equal(allowed.headers['access-control-allow-headers'], 'authorization, content-type, idempotency-key, x-requested-with')
  t.match(allowed.headers['access-control-allow-methods'], /POST/)
  t.equal(allowed.headers['access-control-expose-headers'], 'x-request-id, retry-after')
  t.match(allowed.headers.vary, /Origin/)

  for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.example', 'null']) {
    const foreign = await preflight(origin)
    t.not(foreign.statusCode, 204, `${origin}: not a successful preflight`)
    t.same(Object.keys(foreign.headers).filter((name) => name.startsWith('access-control-')), [], `${origin}: no CORS headers`)
    const simple = await app.inject({ method: 'GET', url: '/health/live', headers: { origin } })
    t.same(Object.keys(simple.headers).filter((name) => name.startsWith('access-control-')), [], `${origin}: none on a simple request either`)
  }
})

t.test('CORS with bearer tokens only: no credentials', async (t) => {
  const { app } = await startStack(t, { env: { ...hsEnv, CORS_ORIGINS: APP_ORIGIN } })
  const response = await app.inject({ method: 'GET', url: '/health/live', headers: { origin: APP_ORIGIN } })
  t.equal(response.headers['access-control-allow-origin'], APP_ORIGIN)
  t.equal(response.headers['access-control-allow-credentials'], undefined)
})

t.test('security headers suit a JSON API, on answers and problems alike', async (t) => {
  const { app, customerId } = await startStack(t, { env: hsEnv })
  const responses = [
    await app.inject({ method: 'GET', url: '/health/live' }),
    await app.inject({ method: 'GET', url: '/nope' }),
    await app.inject(create(customerId, {})),
    await app.inject(create(customerId, { authorization: `Bearer ${token(customerId)}` }))
  ]
  t.same(responses.map((response) => response.statusCode), [200, 404, 401, 201])
  for (const response of responses) {
    t.match(response.headers, {
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'strict-transport-security': /^max-age=\d{8}; includeSubDomains$/
    })
    t.equal(response.headers['x-powered-by'], undefined)
  }
})

t.test('an HTML route opts in to a same-origin policy with config.htmlPage', async (t) => {
  const app = Fastify()
  await app.register(securityHeaders)
  app.get('/demo/', { config: { htmlPage: true } }, async (_request, reply) => reply.type('text/html').send('<!doctype html>'))
  t.teardown(() => app.close())
  const response = await app.inject({ method: 'GET', url: '/demo/' })
  t.equal(response.headers['content-security-policy'], "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
  t.equal(response.headers['x-frame-options'], 'DENY')
})
