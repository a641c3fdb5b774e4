import t from 'tap'
import { randomUUID } from 'node:crypto'
import type { Fault } from '../../src/simulator/app.js'
import { startStack } from '../support/stack.js'
import { json, partnerFlows } from '../support/partner-flows.js'

const CREATE_EXCHANGE = '/customers/:id/exchanges'
const RETRIEVE_EXCHANGE = '/exchanges/:id'
const CREATE_FUNDING_SOURCE = '/customers/:id/funding-sources'
const RETRIEVE_FUNDING_SOURCE = '/funding-sources/:id'
const CONNECTIONS = '/customers/:id/available-exchange-connections'
const BALANCE = '/funding-sources/:id/balance'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

async function setup (t: Parameters<typeof startStack>[0], env: NodeJS.ProcessEnv = {}) {
  const stack = await startStack(t, { env })
  const flows = partnerFlows(stack)
  const fundingSource = (body: object, headers: Record<string, string> = {}, customer = stack.customerId) => flows.service({
    method: 'POST', url: `/v1/customers/${customer}/funding-sources`, ...json(body, { headers })
  })
  const calls = (route: string) => stack.sim.calls.filter((call) => call.route === route)
  return { ...stack, ...flows, fundingSource, calls }
}

t.test('Visa: bank page, redirect with ?exchange=, then a verified funding source', async (t) => {
  const { visaExchange, fundingSource, sim, calls } = await setup(t)
  const exchangeId = await visaExchange()
  t.match(exchangeId, UUID)
  const response = await fundingSource({ partner: 'visa', exchangeId, name: 'Jane Doe - Checking', bankAccountType: 'checking' })
  t.equal(response.statusCode, 201)
  t.equal(response.headers['cache-control'], 'no-store')
  const bank = response.json()
  t.same(Object.keys(bank).sort(), ['bankAccountType', 'bankName', 'exchangeId', 'fundingSourceId', 'name', 'status'])
  t.match(bank, { fundingSourceId: UUID, exchangeId, name: 'Jane Doe - Checking', bankName: 'SANDBOX TEST BANK', bankAccountType: 'checking', status: 'verified' })
  t.equal(sim.count('fundingSources'), 1)
  t.same(calls(RETRIEVE_EXCHANGE).map((call) => call.url), [`/exchanges/${exchangeId}`], 'the exchange is checked first')
  t.match(calls(CREATE_FUNDING_SOURCE), [{ authorized: true, idempotencyKey: UUID }])
  t.equal(calls(CREATE_EXCHANGE).length, 0, 'Visa made the exchange itself')
})

t.test('Plaid: Link approval, public token, then an exchange and a funding source', async (t) => {
  const { plaidPublicToken, fundingSource, sim, calls } = await setup(t)
  const publicToken = await plaidPublicToken()
  const response = await fundingSource({ partner: 'plaid', publicToken, name: 'Savings', bankAccountType: 'savings' })
  t.equal(response.statusCode, 201)
  t.equal(response.headers['cache-control'], 'no-store')
  t.match(response.json(), { fundingSourceId: UUID, name: 'Savings', bankName: 'SANDBOX TEST BANK', bankAccountType: 'savings', status: 'verified' })
  t.equal(sim.count('exchanges'), 1)
  t.equal(sim.count('fundingSources'), 1)
  const [exchangeKey, sourceKey] = [calls(CREATE_EXCHANGE)[0]?.idempotencyKey, calls(CREATE_FUNDING_SOURCE)[0]?.idempotencyKey]
  t.match(exchangeKey, UUID)
  t.not(exchangeKey, sourceKey, 'each create has a key of its own')
  t.notOk(response.body.includes(publicToken), 'the token is not echoed')
})

t.test('MX: bank page, the available connections, then a funding source', async (t) => {
  const { app, startSession, approveOnBankPage, fundingSource, sim, customerId } = await setup(t)
  const url = `/v1/customers/${customerId}/available-exchange-connections`
  t.same((await app.inject({ method: 'GET', url })).json(), { connections: [] }, 'nothing before the user approves')
  await approveOnBankPage((await startSession({ partner: 'mx' })).exchangeSessionUrl)
  const listed = await app.inject({ method: 'GET', url })
  t.equal(listed.statusCode, 200)
  t.equal(listed.headers['cache-control'], 'no-store')
  const { connections } = listed.json()
  t.match(connections, [{ name: 'Checking', availableConnectionToken: String }])
  t.same(Object.keys(connections[0]).sort(), ['availableConnectionToken', 'name'])
  const response = await fundingSource({ partner: 'mx', availableConnectionToken: connections[0].availableConnectionToken, name: 'MX Checking', bankAccountType: 'checking' })
  t.equal(response.statusCode, 201)
  t.match(response.json(), { name: 'MX Checking', status: 'verified' })
  t.equal(sim.count('exchanges'), 1)
  t.same((await app.inject({ method: 'GET', url })).json(), { connections: [] }, 'a used connection is no longer listed')
})

t.test('one Idempotency-Key: a retried call creates one exchange and one funding source and answers the same', async (t) => {
  const { plaidPublicToken, fundingSource, sim, calls } = await setup(t)
  const publicToken = await plaidPublicToken()
  const body = { partner: 'plaid', publicToken, name: 'Checking', bankAccountType: 'checking' }
  const key = { 'idempotency-key': randomUUID() }
  const first = await fundingSource(body, key)
  const again = await fundingSource(body, key)
  t.equal(first.statusCode, 201)
  t.equal(again.statusCode, 201)
  t.same(again.json(), first.json())
  t.equal(sim.count('exchanges'), 1)
  t.equal(sim.count('fundingSources'), 1)
  t.equal(new Set(calls(CREATE_EXCHANGE).map((call) => call.idempotencyKey)).size, 1, 'the exchange create was replayed')
  t.equal(new Set(calls(CREATE_FUNDING_SOURCE).map((call) => call.idempotencyKey)).size, 1, 'the funding-source create was replayed')
  t.notOk(calls(CREATE_EXCHANGE).some((call) => call.idempotencyKey === key['idempotency-key']), 'the caller key is not sent as is')

  const another = await fundingSource(body, { 'idempotency-key': randomUUID() })
  t.equal(another.statusCode, 422, 'another key is another call: the public token is spent')
  t.match(another.json(), { code: 'EXCHANGE_TOKEN_INVALID' })
})

t.test('a call that failed after Dwolla created the exchange completes when retried with its key', async (t) => {
  const { mxConnectionToken, fundingSource, sim } = await setup(t)
  const body = { partner: 'mx', availableConnectionToken: await mxConnectionToken(), name: 'Checking', bankAccountType: 'checking' }
  const key = { 'idempotency-key': 'checkout-42' }
  sim.fault({ method: 'POST', route: CREATE_FUNDING_SOURCE, status: 503, body: { code: 'ServerError', message: 'busy' }, times: 3 })
  const failed = await fundingSource(body, key)
  t.equal(failed.statusCode, 502)
  t.equal(sim.count('exchanges'), 1, 'the exchange exists')
  t.equal(sim.count('fundingSources'), 0)
  const retried = await fundingSource(body, key)
  t.equal(retried.statusCode, 201)
  t.equal(sim.count('exchanges'), 1, 'and was not made again')
  t.equal(sim.count('fundingSources'), 1)
})

t.test("another customer's exchange is EXCHANGE_NOT_FOUND and no funding source is made", async (t) => {
  const { visaExchange, fundingSource, sim, calls } = await setup(t)
  const otherCustomer = sim.createCustomer()
  const theirs = await visaExchange(otherCustomer)
  const response = await fundingSource({ partner: 'visa', exchangeId: theirs, name: 'Not mine', bankAccountType: 'checking' })
  t.equal(response.statusCode, 404)
  t.match(response.json(), { code: 'EXCHANGE_NOT_FOUND', detail: 'The customer has no such exchange.' })
  t.notOk(response.body.includes(otherCustomer), "nothing of the other customer's")
  t.equal(calls(CREATE_FUNDING_SOURCE).length, 0, 'Dwolla was not asked')
  t.equal(sim.count('fundingSources'), 0)

  const unknown = await fundingSource({ partner: 'visa', exchangeId: randomUUID(), name: 'Nothing', bankAccountType: 'checking' })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { code: 'EXCHANGE_NOT_FOUND' })
})

t.test("Dwolla's answers about the exchange and the bank map to the service's problems", async (t) => {
  const { visaExchange, plaidPublicToken, mxConnectionToken, fundingSource, sim, calls, customerId } = await setup(t)
  const visa = async () => ({ partner: 'visa', exchangeId: await visaExchange(), name: 'Checking', bankAccountType: 'checking' })

  const added = await visa()
  t.equal((await fundingSource(added)).statusCode, 201)
  const duplicate = await fundingSource(added)
  t.equal(duplicate.statusCode, 409, 'the same bank again')
  t.match(duplicate.json(), { code: 'FUNDING_SOURCE_EXISTS', status: 409 })
  t.notMatch(duplicate.body, /funding-sources\/|Authorization already associated/, "Dwolla's words stay inside")
  t.notOk('fundingSourceId' in duplicate.json(), 'the exchange form names no funding source')

  const deactivated = await visa()
  sim.deactivateExchange(deactivated.exchangeId)
  const inactive = await fundingSource(deactivated)
  t.equal(inactive.statusCode, 422)
  t.match(inactive.json(), { code: 'EXCHANGE_INACTIVE' })

  const tokensBefore = calls('/token').length
  const unknownPlaid = await fundingSource({ partner: 'plaid', publicToken: 'public-sandbox-unknown', name: 'x', bankAccountType: 'checking' })
  t.equal(unknownPlaid.statusCode, 422, "Dwolla's 401 InvalidExchangeToken")
  t.match(unknownPlaid.json(), { code: 'EXCHANGE_TOKEN_INVALID' })
  t.equal(calls('/token').length, tokensBefore, 'is not taken for a rejected access token: no refresh')
  t.equal(calls(CREATE_EXCHANGE).at(-1)?.status, 401)
  t.equal(calls(CREATE_EXCHANGE).filter((call) => call.status === 401).length, 1, 'and not retried')

  const expired = await plaidPublicToken()
  sim.expireExchangeToken(expired)
  const expiredAnswer = await fundingSource({ partner: 'plaid', publicToken: expired, name: 'x', bankAccountType: 'checking' })
  t.equal(expiredAnswer.statusCode, 422, "Dwolla's 400 InvalidExchangeToken")
  t.match(expiredAnswer.json(), { code: 'EXCHANGE_TOKEN_INVALID' })

  const mxToken = await mxConnectionToken()
  sim.expireExchangeToken(mxToken)
  t.match((await fundingSource({ partner: 'mx', availableConnectionToken: mxToken, name: 'x', bankAccountType: 'checking' })).json(), { code: 'EXCHANGE_TOKEN_INVALID' })

  const stranger = randomUUID()
  const noCustomer = await fundingSource({ partner: 'plaid', publicToken: 'public-sandbox-x', name: 'x', bankAccountType: 'checking' }, {}, stranger)
  t.equal(noCustomer.statusCode, 404)
  t.match(noCustomer.json(), { code: 'CUSTOMER_NOT_FOUND' })
  t.equal(sim.count('fundingSources'), 1, 'only the first one was made')
  t.ok(customerId)
})

t.test('faults on each Dwolla call map to the documented problems, nothing of Dwolla leaks', async (t) => {
  const { visaExchange, plaidPublicToken, fundingSource, sim } = await setup(t)
  const forbidden = { code: 'Forbidden', message: 'Not authorized to create funding source.' }
  const cases: Array<{ name: string, partner: 'visa' | 'plaid', fault: Fault, status: number, code: string }> = [
    { name: 'exchange create 403', partner: 'plaid', fault: { method: 'POST', route: CREATE_EXCHANGE, status: 403, body: { code: 'Forbidden', message: 'The exchange partner specified does not support this product.' } }, status: 422, code: 'PARTNER_NOT_ENABLED' },
    { name: 'exchange create InvalidScope', partner: 'plaid', fault: { method: 'POST', route: CREATE_EXCHANGE, status: 401, body: { code: 'InvalidScope', message: 'Missing or invalid scopes for requested endpoint.' } }, status: 422, code: 'PARTNER_NOT_ENABLED' },
    { name: 'exchange create with a foreign Location', partner: 'plaid', fault: { method: 'POST', route: CREATE_EXCHANGE, status: 201, headers: { location: 'https://elsewhere.example/exchanges/1' } }, status: 502, code: 'UPSTREAM_ERROR' },
    { name: 'exchange create 5xx', partner: 'plaid', fault: { method: 'POST', route: CREATE_EXCHANGE, status: 500, body: { code: 'ServerError', message: 'Error ID: 7' }, times: 3 }, status: 502, code: 'UPSTREAM_ERROR' },
    { name: 'exchange retrieve in another shape', partner: 'visa', fault: { method: 'GET', route: RETRIEVE_EXCHANGE, status: 200, body: { _links: {} } }, status: 502, code: 'UPSTREAM_ERROR' },
    { name: 'exchange retrieve InvalidScope', partner: 'visa', fault: { method: 'GET', route: RETRIEVE_EXCHANGE, status: 401, body: { code: 'InvalidScope', message: 'The scopes for retrieving an exchange resource is not enabled.' } }, status: 422, code: 'PARTNER_NOT_ENABLED' },
    { name: "funding-source create 403 (another customer's exchange)", partner: 'visa', fault: { method: 'POST', route: CREATE_FUNDING_SOURCE, status: 403, body: forbidden }, status: 404, code: 'EXCHANGE_NOT_FOUND' },
    { name: 'funding-source create 404', partner: 'visa', fault: { method: 'POST', route: CREATE_FUNDING_SOURCE, status: 404, body: { code: 'NotFound', message: 'Customer ID not found. Check Customer ID.' } }, status: 404, code: 'CUSTOMER_NOT_FOUND' },
    { name: 'funding-source create ValidationError', partner: 'visa', fault: { method: 'POST', route: CREATE_FUNDING_SOURCE, status: 400, body: { code: 'ValidationError', message: 'Validation error(s) present.', _embedded: { errors: [{ code: 'Invalid', message: '/_links/exchange/href is invalid.', path: '/_links/exchange/href' }] } } }, status: 502, code: 'UPSTREAM_ERROR' },
    { name: 'funding-source retrieve in another shape', partner: 'visa', fault: { method: 'GET', route: RETRIEVE_FUNDING_SOURCE, status: 200, body: { id: 'x' } }, status: 502, code: 'UPSTREAM_ERROR' },
    { name: 'funding-source retrieve 5xx', partner: 'visa', fault: { method: 'GET', route: RETRIEVE_FUNDING_SOURCE, status: 502, body: '<html>bad gateway</html>', times: 3 }, status: 502, code: 'UPSTREAM_ERROR' }
  ]
  for (const { name, partner, fault, status, code } of cases) {
    const body = partner === 'visa'
      ? { partner, exchangeId: await visaExchange(), name: 'x', bankAccountType: 'checking' }
      : { partner, publicToken: await plaidPublicToken(), name: 'x', bankAccountType: 'checking' }
    sim.fault(fault)
    const response = await fundingSource(body)
    t.equal(response.statusCode, status, name)
    t.match(response.json(), { code, status }, name)
    t.notMatch(response.body, /elsewhere|ServerError|Error ID|InvalidScope|Forbidden|bad gateway|Check Customer|exchanges\//, `${name}: nothing of Dwolla's`)
  }
})

t.test('timeouts and Dwolla rate limits are answered as for sessions', async (t) => {
  const { plaidPublicToken, fundingSource, sim } = await setup(t, { UPSTREAM_TIMEOUT_MS: '200' })
  const body = async () => ({ partner: 'plaid', publicToken: await plaidPublicToken(), name: 'x', bankAccountType: 'checking' })
  sim.fault({ method: 'POST', route: CREATE_EXCHANGE, delayMs: 1000 })
  const slow = await fundingSource(await body())
  t.equal(slow.statusCode, 504)
  t.match(slow.json(), { code: 'UPSTREAM_TIMEOUT' })
  const limited = await body()
  sim.fault({ method: 'POST', route: CREATE_FUNDING_SOURCE, status: 429, body: { code: 'TooManyRequests', message: 'slow down' }, headers: { 'retry-after': '7' } })
  const answer = await fundingSource(limited)
  t.equal(answer.statusCode, 503)
  t.equal(answer.headers['retry-after'], '7')
  t.match(answer.json(), { code: 'UPSTREAM_UNAVAILABLE' })
})

t.test('the available connections: an unknown customer, and an answer in another shape', async (t) => {
  const { app, sim, customerId } = await setup(t)
  const unknown = await app.inject({ method: 'GET', url: `/v1/customers/${randomUUID()}/available-exchange-connections` })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { code: 'CUSTOMER_NOT_FOUND' })
  sim.fault({ method: 'GET', route: CONNECTIONS, status: 200, body: { _embedded: {} } })
  const odd = await app.inject({ method: 'GET', url: `/v1/customers/${customerId}/available-exchange-connections` })
  t.equal(odd.statusCode, 502)
  t.match(odd.json(), { code: 'UPSTREAM_ERROR' })
  const bad = await app.inject({ method: 'GET', url: '/v1/customers/nope/available-exchange-connections' })
  t.match(bad.json(), { code: 'VALIDATION_ERROR', errors: [{ path: 'params:/customerId' }] })
})

t.test('request problems are answered before anything reaches Dwolla', async (t) => {
  const { fundingSource, sim } = await setup(t)
  const visa = { partner: 'visa', exchangeId: randomUUID(), name: 'Checking', bankAccountType: 'checking' }
  const cases: Array<{ name: string, body: unknown, path: string, message?: string }> = [
    { name: 'no partner', body: { exchangeId: visa.exchangeId, name: 'x', bankAccountType: 'checking' }, path: '/partner' },
    { name: 'unknown partner', body: { ...visa, partner: 'finicity' }, path: '/partner', message: 'must be one of: visa, plaid, mx' },
    { name: "another partner's member", body: { ...visa, publicToken: 'public-sandbox-1' }, path: '/publicToken' },
    { name: 'visa without exchangeId', body: { partner: 'visa', name: 'x', bankAccountType: 'checking' }, path: '/exchangeId' },
    { name: 'exchangeId not a UUID', body: { ...visa, exchangeId: '../customers' }, path: '/exchangeId' },
    { name: 'plaid without publicToken', body: { partner: 'plaid', name: 'x', bankAccountType: 'checking' }, path: '/publicToken' },
    { name: 'mx with an empty token', body: { partner: 'mx', availableConnectionToken: '', name: 'x', bankAccountType: 'checking' }, path: '/availableConnectionToken' },
    { name: 'no name', body: { partner: 'visa', exchangeId: visa.exchangeId, bankAccountType: 'checking' }, path: '/name' },
    { name: 'empty name', body: { ...visa, name: '' }, path: '/name' },
    { name: 'name over 50 characters', body: { ...visa, name: 'n'.repeat(51) }, path: '/name' },
    { name: 'unknown account type', body: { ...visa, bankAccountType: 'loan' }, path: '/bankAccountType', message: 'must be one of: checking, savings' },
    { name: 'unknown property', body: { ...visa, routingNumber: '222222226' }, path: '/routingNumber' },
    { name: 'not an object', body: [visa], path: '/' }
  ]
  for (const { name, body, path, message = String } of cases) {
    const response = await fundingSource(body as object)
    t.equal(response.statusCode, 400, name)
    t.match(response.json(), { code: 'VALIDATION_ERROR', errors: [{ path, message }] }, name)
  }
  t.same(sim.calls, [], 'Dwolla saw nothing')
  t.equal((await fundingSource({ ...visa, name: 'n'.repeat(50) })).json().code, 'EXCHANGE_NOT_FOUND', '50 characters are fine')
})

t.test('logs: no partner token, link token or Dwolla credential, even when a call fails', async (t) => {
  const { visaExchange, plaidPublicToken, mxConnectionToken, startSession, fundingSource, sim, logs, config } = await setup(t)
  const { linkToken } = await startSession({ partner: 'plaid' })
  const publicToken = await plaidPublicToken()
  const connectionToken = await mxConnectionToken()
  await fundingSource({ partner: 'plaid', publicToken, name: 'x', bankAccountType: 'checking' })
  sim.fault({ method: 'POST', route: CREATE_FUNDING_SOURCE, status: 500, body: { code: 'ServerError', message: 'boom' }, times: 3 })
  await fundingSource({ partner: 'mx', availableConnectionToken: connectionToken, name: 'x', bankAccountType: 'checking' })
  await fundingSource({ partner: 'visa', exchangeId: await visaExchange(), name: 'x', bankAccountType: 'checking' })
  await fundingSource({ partner: 'plaid', publicToken: 'public-sandbox-invalid', name: 'x', bankAccountType: 'checking' })
  const failed = logs.records().find((record) => record.msg === 'request failed')
  t.match(failed, { code: 'UPSTREAM_ERROR', err: { operation: 'createFundingSource', status: 500, dwollaCode: 'ServerError' } }, 'the 5xx is logged with its cause')
  const all = logs.lines.join('\n')
  for (const secret of [linkToken, publicToken, connectionToken, 'public-sandbox-invalid', config.dwolla.secret]) {
    t.notOk(all.includes(secret), 'a secret in the logs')
  }
  t.notMatch(all, /Bearer [A-Za-z0-9]/, 'no bearer token in the logs')
})

t.test("the balance route reads a funding source's owner before anything else: another customer's is 404 whatever its type", async (t) => {
  const { visaExchange, fundingSource, service, sim, calls, logs, customerId } = await setup(t)
  const balance = (fundingSourceId: string) => service({ method: 'GET', url: `/v1/customers/${customerId}/funding-sources/${fundingSourceId}/balance` })
  const other = sim.createCustomer()
  const theirBalance = sim.addBalanceFundingSource(other)
  const theirBank = (await fundingSource({ partner: 'visa', exchangeId: await visaExchange(other), name: 'Theirs', bankAccountType: 'checking' }, {}, other)).json()
  sim.reset()
  for (const [kind, id] of [['balance', theirBalance], ['bank', theirBank.fundingSourceId]]) {
    const response = await balance(id)
    t.equal(response.statusCode, 404, `their ${kind} funding source`)
    t.match(response.json(), { code: 'FUNDING_SOURCE_NOT_FOUND', detail: 'The customer has no such funding source.' }, kind)
    t.notOk(response.body.includes(other), "nothing of the other customer's")
  }
  t.equal(calls(BALANCE).length, 0, 'Dwolla was not asked for either balance')
  t.notOk(logs.records().some((record) => Number(record.level) >= 50), 'nothing logged as an error')

  const mine = sim.addBalanceFundingSource(customerId)
  const own = await balance(mine)
  t.equal(own.statusCode, 422, "the customer's own Dwolla balance is not a bank's")
  t.match(own.json(), { code: 'BALANCE_NOT_SUPPORTED' })
  t.equal(calls(BALANCE).length, 0, 'and its balance, in another shape, is not asked for')
})

t.test("UpdateCredentials without _links.about names the funding source's own exchange", async (t) => {
  const { visaExchange, fundingSource, service, sim, customerId, simulator } = await setup(t)
  const exchangeId = await visaExchange()
  const { fundingSourceId } = (await fundingSource({ partner: 'visa', exchangeId, name: 'Checking', bankAccountType: 'checking' })).json()
  const balance = () => service({ method: 'GET', url: `/v1/customers/${customerId}/funding-sources/${fundingSourceId}/balance` })
  const updateCredentials = { code: 'UpdateCredentials', message: 'Re-authentication is required in order to access account data.' }
  sim.fault({ method: 'GET', route: BALANCE, status: 400, body: updateCredentials })
  const refused = await balance()
  t.equal(refused.statusCode, 409)
  t.match(refused.json(), { code: 'REAUTH_REQUIRED', exchangeId })
  const links = await service({ method: 'GET', url: `/v1/customers/${customerId}/bank-links` })
  t.match(links.json(), { bankLinks: [{ exchangeId, reauthRequired: true }] }, 'the bank link is marked')

  // A funding source with no exchange to fall back to: Dwolla's answer cannot be acted on.
  const simOrigin = `http://127.0.0.1:${(simulator.server.address() as { port: number }).port}`
  sim.fault({ method: 'GET', route: RETRIEVE_FUNDING_SOURCE, status: 200, body: { _links: { customer: { href: `${simOrigin}/customers/${customerId}` } }, type: 'bank' } })
  sim.fault({ method: 'GET', route: BALANCE, status: 400, body: updateCredentials })
  const unknown = await balance()
  t.equal(unknown.statusCode, 502)
  t.match(unknown.json(), { code: 'UPSTREAM_ERROR' })
})
