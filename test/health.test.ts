import t from 'tap'
import { startStack } from './helpers.js'

t.test('GET /health/live answers 200 while the process serves', async (t) => {
  const { app } = await startStack(t)
  const response = await app.inject({ method: 'GET', url: '/health/live' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ok' })
})

t.test('GET / describes the service and names the demo customer in simulator mode', async (t) => {
  const { app, customerId } = await startStack(t)
  const response = await app.inject({ method: 'GET', url: '/' })
  t.equal(response.statusCode, 200)
  t.match(response.json(), { service: 'dwolla-open-banking-bff', dwollaEnv: 'simulator', demoCustomerId: customerId })
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
