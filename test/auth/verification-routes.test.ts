import t from 'tap'
import { randomUUID } from 'node:crypto'
import { startStack } from '../support/stack.js'
import { json, partnerFlows } from '../support/partner-flows.js'
import { hsEnv, token } from '../support/tokens.js'

t.test('completing verification: the caller acts only for the customer its token names', async (t) => {
  const stack = await startStack(t, { env: hsEnv })
  const { app, sim, customerId } = stack
  const bearer = { authorization: `Bearer ${token(customerId)}` }
  const flows = partnerFlows(stack, { headers: bearer })

  const exchangeId = await flows.visaExchange()
  const connectionToken = await flows.mxConnectionToken()
  const other = sim.createCustomer()
  const routes = (customer: string): Array<{ method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: string }> => [
    { method: 'POST', url: `/v1/customers/${customer}/funding-sources`, ...json({ partner: 'visa', exchangeId, name: 'Checking', bankAccountType: 'checking' }) },
    { method: 'GET', url: `/v1/customers/${customer}/available-exchange-connections`, headers: {} },
    { method: 'POST', url: `/v1/customers/${customer}/exchanges/${exchangeId}/exchange-sessions`, ...json({ redirectUrl: 'https://app.example.com/iav-callback' }) }
  ]
  const callsBefore = sim.calls.length
  for (const route of routes(other)) {
    const forbidden = await app.inject({ ...route, headers: { ...route.headers, ...bearer } })
    t.equal(forbidden.statusCode, 403, `${route.method} ${route.url}: another customer`)
    t.match(forbidden.json(), { code: 'FORBIDDEN' })
    const anonymous = await app.inject(route)
    t.equal(anonymous.statusCode, 401, `${route.method} ${route.url}: no token`)
    t.equal(anonymous.headers['www-authenticate'], 'Bearer realm="dwolla-open-banking-bff"')
  }
  const forOther = await app.inject({ ...routes(other)[0]!, headers: { ...routes(other)[0]!.headers, authorization: `Bearer ${token(other)}` } })
  t.equal(forOther.statusCode, 404, "the other customer's own token: still not its exchange")
  t.match(forOther.json(), { code: 'EXCHANGE_NOT_FOUND' })
  t.equal(sim.calls.filter((call, index) => index >= callsBefore && call.method === 'POST').length, 0, 'Dwolla was asked to create nothing')
  t.equal(sim.count('fundingSources'), 0)

  for (const route of routes(customerId)) {
    const own = await app.inject({ ...route, headers: { ...route.headers, ...bearer } })
    t.ok([200, 201].includes(own.statusCode), `${route.method} ${route.url}: the caller's own customer`)
  }
  const mx = await app.inject({
    method: 'POST',
    url: `/v1/customers/${customerId}/funding-sources`,
    ...json({ partner: 'mx', availableConnectionToken: connectionToken, name: 'MX', bankAccountType: 'savings' }, { headers: bearer })
  })
  t.equal(mx.statusCode, 201)
  t.equal(sim.count('fundingSources'), 2)
  t.equal((await app.inject({ method: 'GET', url: `/v1/customers/${randomUUID()}/available-exchange-connections`, headers: bearer })).statusCode, 403)
})
