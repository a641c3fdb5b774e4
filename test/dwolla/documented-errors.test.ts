import t from 'tap'
import { REDIRECTS, startStack } from '../support/stack.js'
import { json, partnerFlows } from '../support/partner-flows.js'

// Every error row of Dwolla's API reference pages whose call the client makes, with the problem
// the caller gets. Dwolla answers through the simulator's fault injection, as its page documents;
// the service's real client reads the answer.

type Call = 'session' | 'reauth' | 'plaidFundingSource' | 'visaFundingSource' | 'connections'

interface Row {
  page: string
  status: number
  code: string
  message: string
  /** The service call that makes the Dwolla call, and the simulator route answering with the row. */
  call: Call
  method: 'GET' | 'POST'
  route: string
  problem: { status: number, code: string, fundingSourceId?: string }
}

const VALIDATION = 'Validation error(s) present. See embedded errors list for more details.'
const SCOPE = 'Missing or invalid scopes for requested endpoint.'
const DUPLICATE_ID = 'df8392e5-4c06-42ed-b247-c098ed6f5a11'

const SESSION = ['open-banking__create-exchange-session-for-a-customer', 'POST', '/customers/:id/exchange-sessions'] as const
const REAUTH = ['open-banking__create-reauth-exchange-session', 'POST', '/exchanges/:id/exchange-sessions'] as const
const RETRIEVE_SESSION = ['open-banking__retrieve-an-exchange-session', 'GET', '/exchange-sessions/:id'] as const
const CREATE_EXCHANGE = ['exchanges__create-exchange-for-a-customer', 'POST', '/customers/:id/exchanges'] as const
const RETRIEVE_EXCHANGE = ['exchanges__retrieve-an-exchange', 'GET', '/exchanges/:id'] as const
const CONNECTIONS = ['open-banking__list-available-exchange-connections', 'GET', '/customers/:id/available-exchange-connections'] as const
const FUNDING_SOURCE = ['funding-sources__create-funding-source-for-customer', 'POST', '/customers/:id/funding-sources'] as const

const row = ([page, method, route]: readonly [string, Row['method'], string], call: Call, status: number, code: string, message: string, problem: Row['problem']): Row =>
  ({ page, method, route, call, status, code, message, problem })

const ROWS: Row[] = [
  row(SESSION, 'session', 400, 'Invalid', '/_links/exchange-partner/href is invalid.', { status: 503, code: 'UPSTREAM_UNAVAILABLE' }),
  row(SESSION, 'session', 400, 'Invalid', '/_links/redirect-url/href is invalid.', { status: 400, code: 'REDIRECT_URL_INVALID' }),
  row(SESSION, 'session', 400, 'Invalid', 'The provided redirect URL must exactly match one of the configured URLs for the account.', { status: 400, code: 'REDIRECT_URL_NOT_REGISTERED' }),
  row(SESSION, 'session', 401, 'InvalidScope', SCOPE, { status: 422, code: 'PARTNER_NOT_ENABLED' }),
  row(SESSION, 'session', 403, 'Forbidden', 'The exchange partner specified does not support this product.', { status: 422, code: 'PARTNER_NOT_ENABLED' }),
  row(SESSION, 'session', 404, 'NotFound', 'The requested resource was not found.', { status: 404, code: 'CUSTOMER_NOT_FOUND' }),
  row(REAUTH, 'reauth', 400, 'Invalid', '/_links/redirect-url/href is invalid.', { status: 400, code: 'REDIRECT_URL_INVALID' }),
  row(REAUTH, 'reauth', 400, 'Invalid', 'The provided redirect URL must exactly match one of the configured URLs for the account.', { status: 400, code: 'REDIRECT_URL_NOT_REGISTERED' }),
  row(REAUTH, 'reauth', 401, 'InvalidScope', SCOPE, { status: 422, code: 'PARTNER_NOT_ENABLED' }),
  row(REAUTH, 'reauth', 404, 'NotFound', 'The requested resource was not found.', { status: 404, code: 'EXCHANGE_NOT_FOUND' }),
  // The session Dwolla just named in its Location is gone: Dwolla contradicts itself, nothing the caller can fix.
  row(RETRIEVE_SESSION, 'session', 404, 'NotFound', 'The requested resource was not found. Check Exchange Session ID.', { status: 502, code: 'UPSTREAM_ERROR' }),
  row(CREATE_EXCHANGE, 'plaidFundingSource', 400, 'ValidationError', VALIDATION, { status: 422, code: 'EXCHANGE_TOKEN_INVALID' }),
  row(CREATE_EXCHANGE, 'plaidFundingSource', 401, 'InvalidScope', SCOPE, { status: 422, code: 'PARTNER_NOT_ENABLED' }),
  row(CREATE_EXCHANGE, 'plaidFundingSource', 404, 'NotFound', 'The requested resource was not found.', { status: 404, code: 'CUSTOMER_NOT_FOUND' }),
  row(RETRIEVE_EXCHANGE, 'visaFundingSource', 401, 'InvalidScope', 'The scopes for retrieving an exchange resource is not enabled for this application. Reach out to Dwolla for more information.', { status: 422, code: 'PARTNER_NOT_ENABLED' }),
  row(RETRIEVE_EXCHANGE, 'visaFundingSource', 404, 'NotFound', 'The requested resource was not found. Check Exchange ID.', { status: 404, code: 'EXCHANGE_NOT_FOUND' }),
  row(CONNECTIONS, 'connections', 404, 'NotFound', 'The requested resource was not found. Check Customer ID.', { status: 404, code: 'CUSTOMER_NOT_FOUND' }),
  row(FUNDING_SOURCE, 'visaFundingSource', 400, 'InactiveExchange', 'The Exchange was removed or disabled.', { status: 422, code: 'EXCHANGE_INACTIVE' }),
  row(FUNDING_SOURCE, 'visaFundingSource', 400, 'InvalidExchangeToken', 'The exchange token is not valid to perform this operation.', { status: 422, code: 'EXCHANGE_TOKEN_INVALID' }),
  row(FUNDING_SOURCE, 'visaFundingSource', 400, 'ValidationError', 'Duplicate funding source or validation error. Authorization already associated to a funding source.', { status: 409, code: 'FUNDING_SOURCE_EXISTS' }),
  row(FUNDING_SOURCE, 'visaFundingSource', 403, 'Forbidden', 'Not authorized to create funding source.', { status: 404, code: 'EXCHANGE_NOT_FOUND' }),
  row(FUNDING_SOURCE, 'visaFundingSource', 404, 'NotFound', 'Customer ID not found. Check Customer ID.', { status: 404, code: 'CUSTOMER_NOT_FOUND' }),
  // The manual-entry form of the duplicate (DuplicateResourceSchema of Dwolla's OpenAPI): it names the funding source.
  row(FUNDING_SOURCE, 'visaFundingSource', 400, 'DuplicateResource', `Bank already exists: id=${DUPLICATE_ID}`, { status: 409, code: 'FUNDING_SOURCE_EXISTS', fundingSourceId: DUPLICATE_ID })
]

/** Dwolla's body for a row: an "Invalid" row is one embedded error of a ValidationError, a path where its message names one. */
function dwollaBody ({ code, message }: Row) {
  if (code === 'Invalid') {
    const path = /^(\/\S+) is invalid\.$/.exec(message)?.[1] ?? '/_links/redirect-url/href'
    return { code: 'ValidationError', message: VALIDATION, _embedded: { errors: [{ code, message, path, _links: {} }] } }
  }
  if (message === VALIDATION) {
    return { code, message, _embedded: { errors: [{ code: 'Invalid', message: '/plaid/publicToken is invalid.', path: '/plaid/publicToken', _links: {} }] } }
  }
  return { code, message }
}

t.test('every documented Dwolla error of the calls the client makes maps to a problem of its own', async (t) => {
  // Not about rate limits: the rows together are more requests than one caller's default limit.
  const stack = await startStack(t, { env: { RATE_LIMIT_MAX: '10000' } })
  const { sim, customerId } = stack
  const flows = partnerFlows(stack)
  const name = 'Jane Doe - Checking'
  const bankAccountType = 'checking'
  // Each call's preconditions are met before the fault is set, so the fault meets the call under test.
  const prepare: Record<Call, () => Promise<() => ReturnType<typeof flows.service>>> = {
    session: async () => () => flows.service({
      method: 'POST', url: `/v1/customers/${customerId}/exchange-sessions`, ...json({ partner: 'visa', redirectUrl: REDIRECTS.visa })
    }),
    reauth: async () => {
      const exchangeId = await flows.visaExchange()
      return () => flows.service({
        method: 'POST', url: `/v1/customers/${customerId}/exchanges/${exchangeId}/exchange-sessions`, ...json({ redirectUrl: REDIRECTS.visa })
      })
    },
    plaidFundingSource: async () => {
      const publicToken = await flows.plaidPublicToken()
      return () => flows.service({
        method: 'POST', url: `/v1/customers/${customerId}/funding-sources`, ...json({ partner: 'plaid', publicToken, name, bankAccountType })
      })
    },
    visaFundingSource: async () => {
      const exchangeId = await flows.visaExchange()
      return () => flows.service({
        method: 'POST', url: `/v1/customers/${customerId}/funding-sources`, ...json({ partner: 'visa', exchangeId, name, bankAccountType })
      })
    },
    connections: async () => () => flows.service({ method: 'GET', url: `/v1/customers/${customerId}/available-exchange-connections` })
  }

  for (const documented of ROWS) {
    const label = `${documented.page}: ${documented.status} ${documented.code} "${documented.message}"`
    const send = await prepare[documented.call]()
    const { method, route, status, problem } = documented
    sim.fault({ method, route, status, body: dwollaBody(documented) })
    const response = await send()
    t.equal(response.statusCode, problem.status, label)
    const answer = response.json()
    t.match(answer, { status: problem.status, code: problem.code }, label)
    t.equal(answer.fundingSourceId, problem.fundingSourceId, `${label}: the existing funding source, where Dwolla names it`)
    t.notOk(response.body.includes(documented.message), `${label}: Dwolla's words stay inside`)
    t.ok(sim.calls.some((call) => call.method === method && call.route === route && call.status === status), `${label}: Dwolla answered it`)
    sim.reset()
  }
})
