import t from 'tap'
import Fastify from 'fastify'
import { createLogger } from '../src/logger.js'
import { Type } from '@sinclair/typebox'
import { Problem, ProblemDetails, problemResponses, registerProblemHandlers } from '../src/problems.js'
import { captureLogs } from './support/logs.js'

async function appThrowing (error: Error) {
  const logs = captureLogs()
  const app = Fastify({ loggerInstance: createLogger('info', logs.stream) })
  registerProblemHandlers(app)
  app.get('/boom', async () => { throw error })
  t.teardown(() => app.close())
  return { app, logs }
}

t.test('an unexpected error is a 500 problem that tells the caller nothing internal', async (t) => {
  const { app, logs } = await appThrowing(new Error('database password is hunter2 at /srv/app.js:12'))
  const response = await app.inject({ method: 'GET', url: '/boom' })
  t.equal(response.statusCode, 500)
  t.match(response.headers['content-type'], /^application\/problem\+json/)
  t.equal(response.headers['cache-control'], 'no-store')
  t.match(response.json(), { code: 'INTERNAL_ERROR', status: 500, detail: 'An unexpected error occurred.' })
  t.notMatch(response.body, /hunter2|srv|stack/)
  const logged = logs.records().find((record) => record.msg === 'request failed') as { err: { message: string } } | undefined
  t.match(logged?.err.message, /hunter2/, 'the log line carries the details')
})

t.test('a 503 the service declines by design is a warning; a 5xx from a failure is an error; a 4xx is information', async (t) => {
  const levels: Record<string, { level: unknown, msg: unknown }> = {}
  const cases: Array<[string, Error]> = [
    ['at capacity', new Problem('STREAMS_AT_CAPACITY', 'full')],
    ['shedding', new Problem('OVERLOADED', 'busy')],
    ['draining', new Problem('NOT_READY', 'This replica is shutting down.')],
    ['no token', new Problem('NOT_READY', 'No Dwolla token can be had right now.', { cause: new Error('refused') })],
    ['Dwolla down', new Problem('UPSTREAM_UNAVAILABLE', 'down')],
    ['bad input', new Problem('VALIDATION_ERROR', 'bad')]
  ]
  for (const [name, error] of cases) {
    const { app, logs } = await appThrowing(error)
    await app.inject({ method: 'GET', url: '/boom' })
    const { level, msg } = logs.records().find((record) => String(record.msg).startsWith('request '))!
    levels[name] = { level, msg }
  }
  t.same(levels, {
    'at capacity': { level: 40, msg: 'request declined' },
    shedding: { level: 40, msg: 'request declined' },
    draining: { level: 40, msg: 'request declined' },
    'no token': { level: 50, msg: 'request failed' },
    'Dwolla down': { level: 50, msg: 'request failed' },
    'bad input': { level: 30, msg: 'request rejected' }
  })
})

t.test('a Problem keeps its code, status and Retry-After', async (t) => {
  const { app } = await appThrowing(new Problem('UPSTREAM_UNAVAILABLE', 'Dwolla is limiting requests.', { retryAfter: 30 }))
  const response = await app.inject({ method: 'GET', url: '/boom' })
  t.equal(response.statusCode, 503)
  t.equal(response.headers['retry-after'], '30')
  t.match(response.json(), { code: 'UPSTREAM_UNAVAILABLE', detail: 'Dwolla is limiting requests.', type: '/problems/upstream-unavailable' })
})

t.test('problem responses serialised with the documented schema keep every member the handler writes', async (t) => {
  const app = Fastify()
  registerProblemHandlers(app)
  app.post('/sessions', {
    schema: {
      body: Type.Object({ partner: Type.String() }),
      response: problemResponses(['VALIDATION_ERROR', 'UPSTREAM_UNAVAILABLE'])
    }
  }, async () => { throw new Problem('UPSTREAM_UNAVAILABLE', 'Dwolla is limiting requests.', { retryAfter: 30 }) })
  app.get('/balance', { schema: { response: problemResponses(['REAUTH_REQUIRED']) } }, async () => {
    throw new Problem('REAUTH_REQUIRED', 'Re-authenticate.', { exchangeId: 'e5e9f2d3-a96c-4abd-a097-8ec7ae28aa8a' })
  })
  t.teardown(() => app.close())

  const invalid = await app.inject({ method: 'POST', url: '/sessions', payload: {} })
  t.equal(invalid.statusCode, 400)
  const members = Object.keys(ProblemDetails.properties).filter((member) => member !== 'exchangeId' && member !== 'fundingSourceId').sort()
  t.same(Object.keys(invalid.json()).sort(), members, 'every member, errors[] included (exchangeId is REAUTH_REQUIRED only, fundingSourceId FUNDING_SOURCE_EXISTS only)')
  const reauth = await app.inject({ method: 'GET', url: '/balance' })
  t.match(reauth.json(), { code: 'REAUTH_REQUIRED', status: 409, exchangeId: 'e5e9f2d3-a96c-4abd-a097-8ec7ae28aa8a' }, 'and its exchangeId')
  t.same(invalid.json().errors, [{ path: '/partner', message: "must have required property 'partner'" }])

  const unavailable = await app.inject({ method: 'POST', url: '/sessions', payload: { partner: 'mx' } })
  t.equal(unavailable.headers['retry-after'], '30')
  t.match(unavailable.json(), { code: 'UPSTREAM_UNAVAILABLE', status: 503, requestId: String, instance: '/sessions' })
})
