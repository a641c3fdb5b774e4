import t from 'tap'
import type { Simulator } from '../../../src/simulator/app.js'
import { accessToken, createSession, getHal, partnerHref, simulator, customerWithExchange } from '../../support/simulator.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/** A session for the partner, and the path of its bank page. */
async function session (app: Simulator, partner: string, redirect?: string) {
  const token = await accessToken(app)
  const response = await createSession(app, token, app.sim.createCustomer(), {
    'exchange-partner': { href: await partnerHref(app, token, partner) },
    ...(redirect !== undefined && { 'redirect-url': { href: redirect } })
  })
  const id = (response.headers.location as string).split('/').pop() as string
  return { id, page: `/simulator/bank/${id}` }
}

t.test('the bank page names the partner and offers Approve and Cancel as plain forms', async (t) => {
  const app = await simulator(t)
  const { page } = await session(app, 'Visa', 'https://www.yourdomain.com/iav-callback')
  const response = await app.inject({ method: 'GET', url: page })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^text\/html; charset=utf-8/)
  t.equal(response.headers['content-security-policy'], "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'")
  t.match(response.body, '<title>Connect your bank with Visa</title>')
  t.match(response.body, `<form method="post" action="${page}/approve"><button type="submit">Approve</button></form>`)
  t.match(response.body, `<form method="post" action="${page}/cancel"><button type="submit">Cancel</button></form>`)
  t.notMatch(response.body, /<script|src=|href=/)
  t.equal(app.sim.calls.filter((call) => call.route.startsWith('/simulator')).length, 0)
})

t.test('Visa: Approve redirects (303) to the redirect URL with a new exchange id', async (t) => {
  const app = await simulator(t, { registeredRedirects: ['https://app.example/iav?state=abc'] })
  const { page } = await session(app, 'Visa', 'https://app.example/iav?state=abc')
  const response = await app.inject({ method: 'POST', url: `${page}/approve`, headers: FORM, payload: '' })
  t.equal(response.statusCode, 303)
  const location = new URL(response.headers.location as string)
  t.equal(`${location.origin}${location.pathname}`, 'https://app.example/iav')
  t.equal(location.searchParams.get('state'), 'abc')
  t.match(location.searchParams.get('exchange'), /^[0-9a-f-]{36}$/)
})

t.test('Visa: Cancel redirects (303) with error=USER_CANCELLED', async (t) => {
  const app = await simulator(t)
  const { page } = await session(app, 'Visa', 'https://www.yourdomain.com/iav-callback')
  const response = await app.inject({ method: 'POST', url: `${page}/cancel`, headers: FORM, payload: '' })
  t.equal(response.statusCode, 303)
  t.equal(response.headers.location, 'https://www.yourdomain.com/iav-callback?error=USER_CANCELLED')
})

t.test('a session is single-use: after a decision its page and actions are gone', async (t) => {
  const app = await simulator(t)
  const { page } = await session(app, 'Visa', 'https://www.yourdomain.com/iav-callback')
  t.equal((await app.inject({ method: 'POST', url: `${page}/approve` })).statusCode, 303)
  const again = await app.inject({ method: 'POST', url: `${page}/approve` })
  t.equal(again.statusCode, 404)
  t.match(again.body, 'Session not found')
  t.equal((await app.inject({ method: 'GET', url: page })).statusCode, 404)
})

t.test('MX: Approve and Cancel end on a page that sends the user back to the app', async (t) => {
  const app = await simulator(t)
  const approved = await app.inject({ method: 'POST', url: `${(await session(app, 'MX')).page}/approve` })
  t.equal(approved.statusCode, 200)
  t.match(approved.headers['content-type'], /^text\/html/)
  t.match(approved.body, '<h1>Bank connected</h1>')
  t.match(approved.body, 'through MX. You can return to the app.')
  const cancelled = await app.inject({ method: 'POST', url: `${(await session(app, 'MX')).page}/cancel` })
  t.equal(cancelled.statusCode, 200)
  t.match(cancelled.body, '<h1>Connection cancelled</h1>')
})

t.test('Plaid sessions have no bank page (Plaid Link runs in the app)', async (t) => {
  const app = await simulator(t)
  const { page } = await session(app, 'Plaid')
  const response = await app.inject({ method: 'GET', url: page })
  t.equal(response.statusCode, 404)
  t.match(response.headers['content-type'], /^text\/html/)
})

t.test('an unknown session is a 404 page that escapes what it repeats', async (t) => {
  const app = await simulator(t)
  const response = await app.inject({ method: 'GET', url: `/simulator/bank/${encodeURIComponent('<script>alert("x")</script>&\'')}` })
  t.equal(response.statusCode, 404)
  t.match(response.headers['content-type'], /^text\/html/)
  t.match(response.headers['content-security-policy'], "default-src 'none'")
  t.match(response.body, 'There is no open exchange session &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;.')
  t.notMatch(response.body, '<script>')
})

t.test('a decision other than approve or cancel is rejected', async (t) => {
  const app = await simulator(t)
  const { page } = await session(app, 'MX')
  const response = await app.inject({ method: 'POST', url: `${page}/maybe` })
  t.equal(response.statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: page })).statusCode, 200)
})

t.test('Visa: the exchange id Approve redirects with is a real exchange of the customer', async (t) => {
  const { app, token, customerId, exchangeId } = await customerWithExchange(t)
  t.equal(app.sim.count('exchanges'), 1)
  const exchange = await getHal(app, token, `/exchanges/${exchangeId}`)
  t.equal(exchange.statusCode, 200)
  t.match(exchange.json(), {
    _links: {
      'exchange-partner': { href: await partnerHref(app, token, 'Visa') },
      customer: { href: `http://localhost:80/customers/${customerId}` }
    },
    id: exchangeId,
    status: 'active'
  })
})

t.test('Visa: Cancel creates no exchange', async (t) => {
  const app = await simulator(t)
  const { page } = await session(app, 'Visa', 'https://www.yourdomain.com/iav-callback')
  await app.inject({ method: 'POST', url: `${page}/cancel` })
  t.equal(app.sim.count('exchanges'), 0)
})
