import t from 'tap'
import { accessToken, dwollaHeaders, simulator } from '../../support/simulator.js'

t.test('the HTTP control adds faults, lists calls and expires tokens, unrecorded', async (t) => {
  const app = await simulator(t)
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const token = await accessToken(app)

  const fault = await fetch(`${address}/__simulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'GET', route: '/exchange-partners', status: 502, body: '<h1>Bad Gateway</h1>' })
  })
  t.equal(fault.status, 204)
  const faulted = await fetch(`${address}/exchange-partners`, { headers: dwollaHeaders(token) })
  t.equal(faulted.status, 502)
  t.equal(await faulted.text(), '<h1>Bad Gateway</h1>')

  t.equal((await fetch(`${address}/__simulator/expire-tokens`, { method: 'POST' })).status, 204)
  const expired = await fetch(`${address}/exchange-partners`, { headers: dwollaHeaders(token) })
  t.equal(((await expired.json()) as { code: string }).code, 'ExpiredAccessToken')

  const calls = await fetch(`${address}/__simulator/calls`)
  t.equal(calls.status, 200)
  t.same(await calls.json(), [
    { method: 'POST', route: '/token', url: '/token', authorized: true, status: 200 },
    { method: 'GET', route: '/exchange-partners', url: '/exchange-partners', authorized: false, status: 502 },
    { method: 'GET', route: '/exchange-partners', url: '/exchange-partners', authorized: false, status: 401 }
  ])
})

t.test('the HTTP control rejects a malformed fault', async (t) => {
  const app = await simulator(t)
  const response = await app.inject({ method: 'POST', url: '/__simulator/faults', payload: { method: 'GET', route: '/token', sometimes: true } })
  t.equal(response.statusCode, 400)
  const next = await app.inject({ method: 'POST', url: '/token' })
  t.equal(next.statusCode, 401)
})
