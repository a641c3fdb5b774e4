import t from 'tap'
import { buildSandboxApp, startStack } from '../support/stack.js'

t.test('Swagger UI and the contract are served at /docs in simulator mode', async (t) => {
  const { app } = await startStack(t)
  const page = await app.inject({ method: 'GET', url: '/docs' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  const contract = await app.inject({ method: 'GET', url: '/docs/json' })
  t.match(contract.json(), { openapi: '3.1.0', paths: { '/v1/customers/{customerId}/exchange-sessions': Object } })
  t.notOk(contract.json().paths['/docs'], 'the docs do not document themselves')
})

t.test('DOCS_ENABLED=false turns the docs off in simulator mode', async (t) => {
  const { app } = await startStack(t, { env: { DOCS_ENABLED: 'false' } })
  t.equal((await app.inject({ method: 'GET', url: '/docs' })).statusCode, 404)
})

t.test('outside simulator mode the docs are off unless DOCS_ENABLED=true', async (t) => {
  t.equal((await (await buildSandboxApp(t)).inject({ method: 'GET', url: '/docs' })).statusCode, 404)
  t.equal((await (await buildSandboxApp(t, { env: { DOCS_ENABLED: 'true' } })).inject({ method: 'GET', url: '/docs' })).statusCode, 200)
})
