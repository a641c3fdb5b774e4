import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { REDIRECTS, startStack } from '../support/stack.js'
import { partnerFlows } from '../support/partner-flows.js'

// The simulator matches Idempotency-Keys per account by the key alone, whatever the path and body:
// the strictest reading of Dwolla's page. A key that crossed customers, bodies or operations would
// replay another request's answer here.

const CREATE_SESSION = '/customers/:id/exchange-sessions'

async function listening (t: Test) {
  const stack = await startStack(t)
  const baseUrl = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  const post = async (path: string, body: object, key?: string) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key !== undefined && { 'idempotency-key': key }) },
      body: JSON.stringify(body)
    })
    return { status: response.status, body: await response.json() as Record<string, string> }
  }
  const startSession = (customerId: string, body: object, key?: string) => post(`/v1/customers/${customerId}/exchange-sessions`, body, key)
  const dwollaKeys = (route: string) => stack.sim.calls.filter((call) => call.route === route).map((call) => call.idempotencyKey)
  return { ...stack, post, startSession, dwollaKeys }
}

t.test("customer B sending the key customer A used gets a session of its own, not A's", async (t) => {
  const { startSession, sim, customerId: customerA } = await listening(t)
  const customerB = sim.createCustomer()
  const key = randomUUID()
  for (const body of [{ partner: 'visa', redirectUrl: REDIRECTS.visa }, { partner: 'plaid' }]) {
    const a = await startSession(customerA, body, key)
    const b = await startSession(customerB, body, key)
    t.equal(a.status, 201)
    t.equal(b.status, 201)
    t.equal(b.body.partner, body.partner)
    t.not(b.body.exchangeSessionUrl ?? b.body.linkToken, a.body.exchangeSessionUrl ?? a.body.linkToken, `${body.partner}: not A's`)
  }
  t.equal(sim.count('exchangeSessions'), 4, 'each request its own Dwolla create')
})

t.test('one key reused with another body (Plaid, then MX) gets an independent, correct session', async (t) => {
  const { startSession, sim, customerId } = await listening(t)
  const key = randomUUID()
  const plaid = await startSession(customerId, { partner: 'plaid' }, key)
  t.equal(plaid.status, 201)
  t.match(plaid.body, { partner: 'plaid', linkToken: /^link-/ })
  const mx = await startSession(customerId, { partner: 'mx' }, key)
  t.equal(mx.status, 201)
  t.same(Object.keys(mx.body).sort(), ['exchangeSessionUrl', 'partner'])
  t.match(mx.body, { partner: 'mx', exchangeSessionUrl: /\/simulator\/bank\// })
  const page = await (await fetch(mx.body.exchangeSessionUrl as string)).text()
  t.match(page, /Connect your bank with MX/, "MX's bank page")
  const android = await startSession(customerId, { partner: 'plaid', platform: 'android', redirectUrl: REDIRECTS.android }, key)
  t.not(android.body.linkToken, plaid.body.linkToken, 'another platform is another request')
  t.equal(sim.count('exchangeSessions'), 3)
})

t.test('the same key and body: the same answer from one Dwolla create; no key: a create each time', async (t) => {
  const { startSession, sim, customerId, dwollaKeys } = await listening(t)
  const key = randomUUID()
  const body = { partner: 'visa', redirectUrl: REDIRECTS.visa }
  const first = await startSession(customerId, body, key)
  const again = await startSession(customerId, { redirectUrl: REDIRECTS.visa, platform: 'web', partner: 'visa' }, key)
  t.equal(again.status, 201)
  t.same(again.body, first.body, 'the same answer, whatever the member order or a default spelt out')
  t.equal(sim.count('exchangeSessions'), 1, 'one Dwolla create')
  const [firstKey, secondKey] = dwollaKeys(CREATE_SESSION)
  t.equal(secondKey, firstKey)
  t.match(firstKey, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUID, as Dwolla recommends')

  const unkeyed = [await startSession(customerId, body), await startSession(customerId, body)]
  t.not(unkeyed[1]?.body.exchangeSessionUrl, unkeyed[0]?.body.exchangeSessionUrl)
  t.equal(sim.count('exchangeSessions'), 3, 'without a key every call is its own create')
})

t.test('a key used for a session and then for a funding source: each operation its own create', async (t) => {
  const stack = await listening(t)
  const { post, sim, customerId } = stack
  const key = randomUUID()
  const { plaidPublicToken } = partnerFlows(stack)
  const publicToken = await plaidPublicToken()
  t.equal((await stack.startSession(customerId, { partner: 'mx' }, key)).status, 201)
  const source = await post(`/v1/customers/${customerId}/funding-sources`, { partner: 'plaid', publicToken, name: 'Checking', bankAccountType: 'checking' }, key)
  t.equal(source.status, 201)
  t.match(source.body, { name: 'Checking', status: 'verified' })
  t.equal(sim.count('exchanges'), 1)
  t.equal(sim.count('fundingSources'), 1)

  const renamed = await post(`/v1/customers/${customerId}/funding-sources`, { partner: 'plaid', publicToken, name: 'Renamed', bankAccountType: 'checking' }, key)
  t.equal(renamed.status, 422, 'another name is another request: the spent token is refused, not the first answer replayed')
  t.equal(renamed.body.code, 'EXCHANGE_TOKEN_INVALID')
})

t.test("re-authenticating two exchanges with one key: each exchange's own session", async (t) => {
  const stack = await listening(t)
  const { post, customerId } = stack
  const { visaExchange } = partnerFlows(stack)
  const [first, second] = [await visaExchange(), await visaExchange()]
  const key = randomUUID()
  const reauth = (exchangeId: string) =>
    post(`/v1/customers/${customerId}/exchanges/${exchangeId}/exchange-sessions`, { redirectUrl: REDIRECTS.visa }, key)
  const [a, b] = [await reauth(first), await reauth(second)]
  t.equal(a.status, 201)
  t.equal(b.status, 201)
  t.not(b.body.exchangeSessionUrl, a.body.exchangeSessionUrl)
  t.same(await reauth(first), a, 'the same exchange again: the same answer')
})
