import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { REDIRECTS, startStack } from '../support/stack.js'
import { json, partnerFlows } from '../support/partner-flows.js'
import { basic, dwollaHeaders } from '../support/simulator.js'

const REAUTH = '/exchanges/:id/exchange-sessions'
const RETRIEVE_EXCHANGE = '/exchanges/:id'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

async function setup (t: Test) {
  const stack = await startStack(t)
  const flows = partnerFlows(stack)
  const { app, simulator, config, customerId, sim } = stack
  const reauth = (exchangeId: string, body: object, headers: Record<string, string> = {}, customer = customerId) => app.inject({
    method: 'POST', url: `/v1/customers/${customer}/exchanges/${exchangeId}/exchange-sessions`, ...json(body, { headers })
  })
  /** The exchange behind a funding source, as Dwolla's webhook or an UpdateCredentials error would name it. */
  async function exchangeBehind (fundingSourceId: string): Promise<string> {
    const token = (await simulator.inject({
      method: 'POST',
      url: '/token',
      headers: { authorization: basic(config.dwolla.key, config.dwolla.secret), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials'
    })).json().access_token
    const source = await simulator.inject({ method: 'GET', url: `/funding-sources/${fundingSourceId}`, headers: dwollaHeaders(token) })
    return new URL(source.json()._links.exchange.href).pathname.split('/').pop() as string
  }
  async function plaidExchange () {
    const source = await app.inject({
      method: 'POST',
      url: `/v1/customers/${customerId}/funding-sources`,
      ...json({ partner: 'plaid', publicToken: await flows.plaidPublicToken(), name: 'Checking', bankAccountType: 'checking' })
    })
    return exchangeBehind(source.json().fundingSourceId)
  }
  const reauthCalls = () => sim.calls.filter((call) => call.route === REAUTH)
  return { ...stack, ...flows, reauth, plaidExchange, reauthCalls }
}

t.test("Visa: a deactivated exchange is re-authenticated on Visa's page and can become a funding source again", async (t) => {
  const { visaExchange, reauth, approveOnBankPage, sim, reauthCalls, customerId, app } = await setup(t)
  const exchangeId = await visaExchange()
  sim.deactivateExchange(exchangeId)
  const key = randomUUID()
  const response = await reauth(exchangeId, { redirectUrl: REDIRECTS.visa }, { 'idempotency-key': key })
  t.equal(response.statusCode, 201)
  t.equal(response.headers['cache-control'], 'no-store')
  const session = response.json()
  t.same(Object.keys(session).sort(), ['exchangeSessionUrl', 'partner'])
  t.equal(session.partner, 'visa', "the exchange's own partner, learned from Dwolla")
  t.match(reauthCalls(), [{ url: `/exchanges/${exchangeId}/exchange-sessions`, idempotencyKey: UUID, authorized: true }])
  t.not(reauthCalls()[0]?.idempotencyKey, key, 'derived from the caller key, not forwarded as it came')

  const redirect = await approveOnBankPage(session.exchangeSessionUrl)
  t.equal(new URL(redirect.headers.get('location') as string).searchParams.get('exchange'), exchangeId, 'the same exchange comes back')
  const source = await app.inject({
    method: 'POST', url: `/v1/customers/${customerId}/funding-sources`, ...json({ partner: 'visa', exchangeId, name: 'Checking', bankAccountType: 'checking' })
  })
  t.equal(source.statusCode, 201, 'active again')
})

t.test("Visa's redirect rules apply to its re-auth, before Dwolla is asked for a session", async (t) => {
  const { visaExchange, reauth, reauthCalls } = await setup(t)
  const exchangeId = await visaExchange()
  const cases = [
    { body: {}, code: 'REDIRECT_URL_REQUIRED' },
    { body: { redirectUrl: 'http://app.example.com/iav-callback' }, code: 'REDIRECT_URL_INVALID' },
    { body: { redirectUrl: 'https://evil.example.com/cb' }, code: 'REDIRECT_URL_NOT_REGISTERED' }
  ]
  for (const { body, code } of cases) {
    const response = await reauth(exchangeId, body)
    t.equal(response.statusCode, 400, code)
    t.match(response.json(), { code })
  }
  t.equal(reauthCalls().length, 0)
})

t.test('Plaid: the re-auth session is a Link token; mobile redirects follow the Plaid rules', async (t) => {
  const { plaidExchange, reauth, reauthCalls } = await setup(t)
  const exchangeId = await plaidExchange()
  const web = await reauth(exchangeId, {})
  t.equal(web.statusCode, 201)
  t.same(Object.keys(web.json()).sort(), ['linkToken', 'partner'])
  t.match(web.json(), { partner: 'plaid', linkToken: /^link-/ })
  const ios = await reauth(exchangeId, { platform: 'ios', redirectUrl: REDIRECTS.ios })
  t.match(ios.json(), { partner: 'plaid', linkToken: /^link-/ })
  const notAllowed = await reauth(exchangeId, { redirectUrl: REDIRECTS.ios })
  t.equal(notAllowed.statusCode, 400)
  t.match(notAllowed.json(), { code: 'REDIRECT_URL_NOT_ALLOWED' })
  t.equal(reauthCalls().length, 2)
})

t.test("another customer's exchange, or none, is EXCHANGE_NOT_FOUND and no session is made", async (t) => {
  const { visaExchange, reauth, reauthCalls, sim } = await setup(t)
  const theirs = await visaExchange(sim.createCustomer())
  for (const exchangeId of [theirs, randomUUID()]) {
    const response = await reauth(exchangeId, { redirectUrl: REDIRECTS.visa })
    t.equal(response.statusCode, 404)
    t.match(response.json(), { code: 'EXCHANGE_NOT_FOUND' })
  }
  t.equal(reauthCalls().length, 0)
})

t.test("Dwolla's answers map to the service's problems", async (t) => {
  const { visaExchange, reauth, sim, customerId } = await setup(t)
  const exchangeId = await visaExchange()
  const body = { redirectUrl: REDIRECTS.visa }
  sim.fault({
    method: 'GET',
    route: RETRIEVE_EXCHANGE,
    status: 200,
    body: { _links: { customer: { href: `http://dwolla.test/customers/${customerId}` }, 'exchange-partner': { href: 'http://dwolla.test/exchange-partners/finicity' } } }
  })
  const foreign = await reauth(exchangeId, body)
  t.equal(foreign.statusCode, 422, 'an exchange from a partner this service does not know')
  t.match(foreign.json(), { code: 'PARTNER_NOT_ENABLED' })

  sim.fault({ method: 'POST', route: REAUTH, status: 404, body: { code: 'NotFound', message: 'The requested resource was not found.' } })
  t.match((await reauth(exchangeId, body)).json(), { status: 404, code: 'EXCHANGE_NOT_FOUND' }, 'gone in between')

  sim.fault({
    method: 'POST',
    route: REAUTH,
    status: 400,
    body: { code: 'ValidationError', message: 'Validation error(s) present.', _embedded: { errors: [{ code: 'Invalid', message: 'The provided redirect URL must exactly match one of the configured URLs for the account.', path: '/_links/redirect-url/href' }] } }
  })
  t.match((await reauth(exchangeId, body)).json(), { code: 'REDIRECT_URL_NOT_REGISTERED' })

  sim.fault({ method: 'GET', route: '/exchange-sessions/:id', status: 200, body: { _links: {} } })
  t.match((await reauth(exchangeId, body)).json(), { status: 502, code: 'UPSTREAM_ERROR' })
})

t.test('request problems are answered before anything reaches Dwolla', async (t) => {
  const { reauth, sim, customerId, app } = await setup(t)
  const exchangeId = randomUUID()
  const unknownMember = await reauth(exchangeId, { partner: 'visa' })
  t.match(unknownMember.json(), { code: 'VALIDATION_ERROR', errors: [{ path: '/partner' }] }, 'the partner is the exchange’s own')
  const badPlatform = await reauth(exchangeId, { platform: 'tv' })
  t.match(badPlatform.json(), { code: 'VALIDATION_ERROR', errors: [{ path: '/platform' }] })
  const badId = await app.inject({ method: 'POST', url: `/v1/customers/${customerId}/exchanges/not-a-uuid/exchange-sessions`, ...json({}) })
  t.match(badId.json(), { code: 'VALIDATION_ERROR', errors: [{ path: 'params:/exchangeId' }] })
  t.same(sim.calls, [])
})
