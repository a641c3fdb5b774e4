import t from 'tap'
import { buildSandboxApp, startStack } from '../support/stack.js'

t.test('GET /health/live answers 200 while the process serves', async (t) => {
  const { app } = await startStack(t)
  const response = await app.inject({ method: 'GET', url: '/health/live' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ok' })
})

t.test('GET / is the demo page in simulator mode', async (t) => {
  const { app } = await startStack(t)
  const response = await app.inject({ method: 'GET', url: '/' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^text\/html/)
  t.match(response.headers['content-security-policy'], /default-src 'self'/)
  t.match(response.body, /Connect with Visa/)
})

t.test('GET / describes the service outside simulator mode', async (t) => {
  const app = await buildSandboxApp(t)
  const response = await app.inject({ method: 'GET', url: '/' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^application\/json/)
  t.match(response.json(), { service: 'dwolla-open-banking-bff', dwollaEnv: 'sandbox', endpoints: Object })
  t.match(response.json().endpoints, {
    createExchangeSession: 'POST /v1/customers/{customerId}/exchange-sessions',
    createReAuthExchangeSession: 'POST /v1/customers/{customerId}/exchanges/{exchangeId}/exchange-sessions',
    createFundingSource: 'POST /v1/customers/{customerId}/funding-sources',
    listAvailableExchangeConnections: 'GET /v1/customers/{customerId}/available-exchange-connections',
    getFundingSourceBalance: 'GET /v1/customers/{customerId}/funding-sources/{fundingSourceId}/balance',
    listBankLinks: 'GET /v1/customers/{customerId}/bank-links',
    getLiveness: 'GET /health/live',
    getReadiness: 'GET /health/ready',
    getMetrics: 'GET /metrics'
  }, 'every documented route, registered before or after it')
  t.notOk('demoCustomerId' in response.json())
})

t.test('an unknown route is a problem+json 404 with a stable code', async (t) => {
  const { app } = await startStack(t)
  const response = await app.inject({ method: 'GET', url: '/nope?secret=1' })
  t.equal(response.statusCode, 404)
  t.match(response.headers['content-type'], /^application\/problem\+json/)
  t.match(response.json(), { code: 'NOT_FOUND', status: 404, type: '/problems/not-found', instance: '/nope' })
  t.notMatch(response.body, /secret/)
  t.equal(response.json().requestId, response.headers['x-request-id'])
})
