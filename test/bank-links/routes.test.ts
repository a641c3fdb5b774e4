import { randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import { REDIRECTS, startStack } from '../support/stack.js'
import { partnerFlows } from '../support/partner-flows.js'

const BALANCE = '/funding-sources/:id/balance'
const RETRIEVE_FUNDING_SOURCE = '/funding-sources/:id'
const UNKNOWN = '74a207b2-b7b7-4efa-8bf8-582148e7b980'

/** The stack listening on a port, driven over real HTTP as an app would. */
async function setup (t: Test) {
  const stack = await startStack(t)
  const flows = partnerFlows(stack)
  const base = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  const call = async (method: string, path: string, body?: object) => {
    const response = await fetch(`${base}${path}`, {
      method, ...(body && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    })
    return { status: response.status, headers: response.headers, body: JSON.parse(await response.text()) }
  }
  async function visaBank (customer = stack.customerId) {
    const exchangeId = await flows.visaExchange(customer)
    const created = await call('POST', `/v1/customers/${customer}/funding-sources`, { partner: 'visa', exchangeId, name: 'Checking', bankAccountType: 'checking' })
    return { exchangeId, fundingSourceId: created.body.fundingSourceId as string, created }
  }
  const balance = (fundingSourceId: string, customer = stack.customerId) =>
    call('GET', `/v1/customers/${customer}/funding-sources/${fundingSourceId}/balance`)
  const bankLinks = (customer = stack.customerId) => call('GET', `/v1/customers/${customer}/bank-links`)
  const calls = (route: string) => stack.sim.calls.filter((entry) => entry.route === route)
  return { ...stack, ...flows, call, visaBank, balance, bankLinks, calls }
}

t.test('the balance of the customer\'s funding source, and its exchange in the funding-source answer', async (t) => {
  const { visaBank, balance, calls } = await setup(t)
  const { exchangeId, fundingSourceId, created } = await visaBank()
  t.equal(created.body.exchangeId, exchangeId, 'POST …/funding-sources names the exchange')
  const response = await balance(fundingSourceId)
  t.equal(response.status, 200)
  t.equal(response.headers.get('cache-control'), 'no-store')
  t.same(response.body, {
    available: { value: '542.00', currency: 'USD' },
    closing: { value: '542.00', currency: 'USD' },
    lastUpdated: response.body.lastUpdated
  })
  t.match(calls(BALANCE), [{ url: `/funding-sources/${fundingSourceId}/balance`, authorized: true }])
})

t.test("another customer's funding source is 404 and its balance is never asked for", async (t) => {
  const { visaBank, balance, calls, sim } = await setup(t)
  const other = sim.createCustomer()
  const theirs = await visaBank(other)
  sim.reset()
  const response = await balance(theirs.fundingSourceId)
  t.equal(response.status, 404)
  t.match(response.body, { code: 'FUNDING_SOURCE_NOT_FOUND', detail: 'The customer has no such funding source.' })
  t.notOk(JSON.stringify(response.body).includes(other), "nothing of the other customer's")
  t.match(calls(RETRIEVE_FUNDING_SOURCE), [{ url: `/funding-sources/${theirs.fundingSourceId}` }], 'ownership was checked')
  t.equal(calls(BALANCE).length, 0, 'Dwolla was not asked for the balance')

  const unknown = await balance(UNKNOWN)
  t.equal(unknown.status, 404)
  t.match(unknown.body, { code: 'FUNDING_SOURCE_NOT_FOUND' })
  t.equal(calls(BALANCE).length, 0)
})

t.test('UpdateCredentials → 409 REAUTH_REQUIRED and a marked bank link → re-auth → balance 200 and the mark gone', async (t) => {
  const { visaBank, balance, bankLinks, sim, call, customerId, approveOnBankPage } = await setup(t)
  const { exchangeId, fundingSourceId } = await visaBank()
  t.match((await bankLinks()).body, { bankLinks: [{ exchangeId, reauthRequired: false }] })

  sim.revokeAccess(exchangeId)
  const refused = await balance(fundingSourceId)
  t.equal(refused.status, 409)
  t.match(refused.headers.get('content-type'), /^application\/problem\+json/)
  t.match(refused.body, { code: 'REAUTH_REQUIRED', exchangeId, status: 409 })
  t.match((await bankLinks()).body, { bankLinks: [{ exchangeId, reauthRequired: true }] })

  const session = await call('POST', `/v1/customers/${customerId}/exchanges/${exchangeId}/exchange-sessions`, { redirectUrl: REDIRECTS.visa })
  t.equal(session.status, 201)
  await approveOnBankPage(session.body.exchangeSessionUrl)
  t.match((await bankLinks()).body, { bankLinks: [{ exchangeId, reauthRequired: true }] }, 'nothing has said so yet')
  const restored = await balance(fundingSourceId)
  t.equal(restored.status, 200)
  t.match((await bankLinks()).body, { bankLinks: [{ exchangeId, reauthRequired: false }] })
})

t.test("Dwolla's other balance rows each have their problem", async (t) => {
  const { visaBank, balance, sim } = await setup(t)
  const { fundingSourceId } = await visaBank()
  const cases = [
    { status: 400, body: { code: 'UnsupportedOperation', message: 'Balance Check is not supported by your exchange partner.' }, expected: [422, 'BALANCE_NOT_SUPPORTED'] },
    { status: 403, body: { code: 'Forbidden', message: 'Balance Check not enabled for this account.' }, expected: [422, 'BALANCE_NOT_ENABLED'] },
    { status: 404, body: { code: 'NotFound', message: 'The requested resource was not found.' }, expected: [404, 'FUNDING_SOURCE_NOT_FOUND'] },
    { status: 200, body: { closing: { value: 1 } }, expected: [502, 'UPSTREAM_ERROR'], why: 'a balance of the wrong shape' }
  ]
  for (const { status, body, expected, why } of cases) {
    sim.fault({ method: 'GET', route: BALANCE, status, body })
    const response = await balance(fundingSourceId)
    t.same([response.status, response.body.code], expected, why ?? body.code)
  }
})

t.test("the customer's bank links: partner, Dwolla's status, the funding sources made from each", async (t) => {
  const { visaBank, bankLinks, plaidPublicToken, call, customerId, sim } = await setup(t)
  const empty = await bankLinks()
  t.equal(empty.status, 200)
  t.equal(empty.headers.get('cache-control'), 'no-store')
  t.same(empty.body, { bankLinks: [] })

  const visa = await visaBank()
  const plaid = await call('POST', `/v1/customers/${customerId}/funding-sources`, {
    partner: 'plaid', publicToken: await plaidPublicToken(), name: 'Savings', bankAccountType: 'savings'
  })
  const { body } = await bankLinks()
  t.equal(body.bankLinks.length, 2)
  const byPartner = Object.fromEntries(body.bankLinks.map((link: { partner: string }) => [link.partner, link]))
  t.same(byPartner.visa, {
    exchangeId: visa.exchangeId, partner: 'visa', status: 'active', created: byPartner.visa.created, fundingSourceIds: [visa.fundingSourceId], reauthRequired: false
  })
  t.match(byPartner.plaid, { exchangeId: plaid.body.exchangeId, partner: 'plaid', fundingSourceIds: [plaid.body.fundingSourceId] })

  sim.deactivateExchange(visa.exchangeId)
  t.match((await bankLinks()).body.bankLinks, [{ partner: 'visa', status: 'deactivated' }], "Dwolla's status as it is now")

  // A customer id Dwolla has never issued.
  const unknown = await bankLinks(randomUUID())
  t.equal(unknown.status, 404)
  t.match(unknown.body, { code: 'CUSTOMER_NOT_FOUND' })

  sim.fault({
    method: 'GET',
    route: '/customers/:id/exchanges',
    status: 200,
    body: { _embedded: { exchanges: [{ id: UNKNOWN, status: 'active', created: '2022-10-19T17:44:44.864Z', _links: { 'exchange-partner': { href: 'https://api.dwolla.com/exchange-partners/nobody' } } }] } }
  })
  t.match((await bankLinks()).body, { bankLinks: [{ exchangeId: UNKNOWN, partner: 'unknown', fundingSourceIds: [] }] }, 'a partner Dwolla does not list')
})
