import t from 'tap'
import { buildApp } from '../src/app.js'
import { testConfig } from './helpers.js'

t.test('GET /health/live answers 200 while the process serves', async (t) => {
  const app = await buildApp(testConfig())
  t.teardown(() => app.close())
  const response = await app.inject({ method: 'GET', url: '/health/live' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ok' })
})

t.test('an unknown route is a problem+json 404 with a stable code', async (t) => {
  const app = await buildApp(testConfig())
  t.teardown(() => app.close())
  const response = await app.inject({ method: 'GET', url: '/nope?secret=1' })
  t.equal(response.statusCode, 404)
  t.match(response.headers['content-type'], /^application\/problem\+json/)
  t.match(response.json(), { code: 'NOT_FOUND', status: 404, type: '/problems/not-found', instance: '/nope' })
  t.type(response.json().requestId, 'string')
})
