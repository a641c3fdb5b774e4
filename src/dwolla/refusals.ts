import { Problem, type ProblemCode, type ProblemOptions } from '../problems.js'
import type { DwollaResponse, Operation } from './transport.js'
import { isDwollaErrorBody, type DwollaErrorBody } from './wire.js'

const REDIRECT_NOT_REGISTERED = /configured URLs/i

/** The problems a Dwolla refusal can mean, each with what the caller is told. */
const REFUSALS = {
  CUSTOMER_NOT_FOUND: 'Dwolla has no such customer.',
  EXCHANGE_NOT_FOUND: 'The customer has no such exchange.',
  PARTNER_NOT_ENABLED: 'The partner does not support this or is not enabled for this account.',
  EXCHANGE_TOKEN_INVALID: "Dwolla rejected the partner's token as expired, used or invalid: start the partner's flow again.",
  EXCHANGE_INACTIVE: 'The exchange was removed or deactivated: re-authenticate it first.',
  FUNDING_SOURCE_EXISTS: 'This bank account is already a funding source of the customer.',
  FUNDING_SOURCE_NOT_FOUND: 'The customer has no such funding source.',
  BALANCE_NOT_SUPPORTED: 'Dwolla cannot check the balance of this funding source, or its partner does not offer balance checks.',
  BALANCE_NOT_ENABLED: 'Balance checks are not enabled for this Dwolla account.',
  NOT_FOUND: 'Dwolla has no such resource.'
} as const satisfies Partial<Record<ProblemCode, string>>
type Refusal = keyof typeof REFUSALS

/**
 * Dwolla's error codes that mean the same whichever call met them. InvalidScope(s): the account
 * lacks the product (Open Banking) the call belongs to, as a partner Dwolla does not enable.
 */
const REFUSALS_BY_CODE = new Map<string, Refusal>([
  ['InvalidExchangeToken', 'EXCHANGE_TOKEN_INVALID'],
  ['InactiveExchange', 'EXCHANGE_INACTIVE'],
  ['DuplicateResource', 'FUNDING_SOURCE_EXISTS'],
  ['InvalidScope', 'PARTNER_NOT_ENABLED'],
  ['InvalidScopes', 'PARTNER_NOT_ENABLED']
])

/** The exchange form of Dwolla's duplicate: a 400 ValidationError whose message says so, naming no id. */
const AUTHORIZATION_ALREADY_USED = /Authorization already associated to a funding source/i
/** The manual-entry form names the existing funding source: "Bank already exists: id=…". */
const EXISTING_ID = /\bid=([0-9a-f-]{36})\b/i

/** What a call's bare statuses mean, where Dwolla documents them for it. */
export type RefusalsByStatus = Partial<Record<number, Refusal>>

/** Creating from a partner under a customer: Dwolla's 403 is the partner refusing, its 404 the customer missing. */
export const CUSTOMER_REFUSALS: RefusalsByStatus = { 403: 'PARTNER_NOT_ENABLED', 404: 'CUSTOMER_NOT_FOUND' }

export const refused = (refusal: Refusal, options?: ProblemOptions) => new Problem(refusal, REFUSALS[refusal], options)

export const errorBody = (body: unknown): DwollaErrorBody | undefined => isDwollaErrorBody(body) ? body : undefined

/** Whether Dwolla's validation rejected the exchange partner's href: the cached list of partners is stale. */
export const rejectsPartnerLink = (details: string[]) => details.some((detail) => detail.includes('/_links/exchange-partner'))

/** A Dwolla answer the caller cannot fix; `reason` says what was wrong with it, for the log. */
export function upstreamProblem (operation: Operation, response: Pick<DwollaResponse, 'status' | 'body'>, reason?: object): Problem {
  return new Problem('UPSTREAM_ERROR', 'Dwolla answered unexpectedly.', {
    cause: { operation, status: response.status, dwollaCode: errorBody(response.body)?.code, ...reason }
  })
}

export function failUpstream (operation: Operation, response: DwollaResponse): never {
  throw upstreamProblem(operation, response)
}

/** Dwolla's validation messages with their paths, top-level and embedded alike. */
export function validationDetails (response: DwollaResponse): string[] {
  const dwollaError = errorBody(response.body)
  if (response.status !== 400 || !dwollaError) return []
  const embedded = dwollaError._embedded?.errors ?? []
  return [dwollaError.message, ...embedded.map(({ message = '', path = '' }) => `${path} ${message}`)]
}

/** Maps Dwolla's documented refusals onto our problems; anything else is UPSTREAM_ERROR. */
export function refusalProblem (operation: Operation, response: DwollaResponse, details: string[], byStatus: RefusalsByStatus): Problem {
  if (details.some((detail) => REDIRECT_NOT_REGISTERED.test(detail))) {
    return new Problem('REDIRECT_URL_NOT_REGISTERED', 'Dwolla says the redirect URL does not match the URLs configured for the account.')
  }
  if (details.some((detail) => detail.includes('/_links/redirect-url'))) {
    return new Problem('REDIRECT_URL_INVALID', 'Dwolla rejected the form of the redirect URL.')
  }
  // The partner's href came from Dwolla's list, which the caller refreshes (partners.forget) first.
  if (rejectsPartnerLink(details)) {
    return new Problem('UPSTREAM_UNAVAILABLE', "Dwolla's list of partners changed; try again.", { cause: { operation, status: response.status } })
  }
  const dwollaError = errorBody(response.body)
  // Creating an exchange, the partner's token is all the caller gave: a validation error is about it.
  if (operation === 'createExchange' && dwollaError?.code === 'ValidationError') return refused('EXCHANGE_TOKEN_INVALID')
  if (AUTHORIZATION_ALREADY_USED.test(dwollaError?.message ?? '')) return refused('FUNDING_SOURCE_EXISTS')
  const refusal = REFUSALS_BY_CODE.get(dwollaError?.code ?? '') ?? byStatus[response.status]
  if (refusal === undefined) return upstreamProblem(operation, response)
  // Only Dwolla's error code (so a body) maps to FUNDING_SOURCE_EXISTS; its manual-entry form names the funding source.
  const existing = refusal === 'FUNDING_SOURCE_EXISTS' ? EXISTING_ID.exec(String(dwollaError?.message))?.[1] : undefined
  return refused(refusal, { fundingSourceId: existing })
}
