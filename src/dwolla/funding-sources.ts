import { Problem } from '../problems.js'
import { lastSegment, type DwollaCore } from './core.js'
import type { createExchanges } from './exchanges.js'
import type { CreateScope } from './idempotency.js'
import { CUSTOMER_REFUSALS, errorBody, refusalProblem, refused } from './refusals.js'
import { isBalance, isFundingSource, isFundingSourceOwner, type Balance, type BankAccountType } from './wire.js'

/** What the partner's flow handed the app: Visa's exchange, or a token Dwolla turns into one. */
type PartnerGrant =
  | { partner: 'visa'; exchangeId: string }
  | { partner: 'plaid'; publicToken: string }
  | { partner: 'mx'; availableConnectionToken: string }

type CreateFundingSource = PartnerGrant & {
  customerId: string
  name: string
  bankAccountType: BankAccountType
  /** The caller's key, if it sent one: each Dwolla create in the call gets its own key derived from it (see dwollaIdempotencyKey). */
  idempotencyKey: string | undefined
}

/** What the app learns of the verified bank. */
interface VerifiedBank {
  fundingSourceId: string
  /** The exchange it came from: the one to re-authenticate when Dwolla asks. */
  exchangeId: string
  name: string
  bankName: string
  bankAccountType: BankAccountType
  status: string
}

/** The id an href names after /exchanges/: an exchange's own, or its re-auth sessions'. */
const exchangeIdIn = (href: string | undefined) => href === undefined ? undefined : /\/exchanges\/([^/?#]+)/.exec(href)?.[1]

/** Both creates of a funding-source call are scoped by the whole request, so a retry replays each step. */
function fundingSourceScope ({ customerId, idempotencyKey, ...content }: CreateFundingSource): CreateScope {
  return { customerId, content, callerKey: idempotencyKey }
}

type FundingSourcesCore = Pick<DwollaCore, 'origin' | 'authorized' | 'create' | 'retrieve' | 'listedPartnerHref'>
type Exchanges = Pick<ReturnType<typeof createExchanges>, 'ownExchange'>

/** Verified bank funding sources made from what a partner's flow handed the app, and their balances. */
export function createFundingSources ({ origin, authorized, create, retrieve, listedPartnerHref }: FundingSourcesCore, { ownExchange }: Exchanges) {
  /**
   * The customer's own funding source; another customer's, whatever its type, is as unknown to the
   * caller as a missing one: its owner is the first thing read of it.
   */
  async function ownFundingSource (customerId: string, fundingSourceId: string) {
    const path = `/funding-sources/${encodeURIComponent(fundingSourceId)}`
    const source = await retrieve('retrieveFundingSource', path, isFundingSourceOwner, { 404: 'FUNDING_SOURCE_NOT_FOUND' })
    if (!source._links.customer.href.endsWith(`/customers/${customerId}`)) throw refused('FUNDING_SOURCE_NOT_FOUND')
    return { path, type: source.type, exchangeId: exchangeIdIn(source._links.exchange?.href) }
  }

  /** The path of the exchange a grant stands for: Visa's checked, Plaid's and MX's created. */
  async function exchangeOf (grant: CreateFundingSource): Promise<string> {
    if (grant.partner === 'visa') return (await ownExchange(grant.customerId, grant.exchangeId)).path
    const partnerToken = grant.partner === 'plaid'
      ? { plaid: { publicToken: grant.publicToken } }
      : { mx: { availableConnectionToken: grant.availableConnectionToken } }
    return create('createExchange', {
      method: 'POST',
      path: `/customers/${encodeURIComponent(grant.customerId)}/exchanges`,
      body: JSON.stringify({ _links: { 'exchange-partner': { href: await listedPartnerHref(grant.partner) } }, ...partnerToken })
    }, fundingSourceScope(grant), CUSTOMER_REFUSALS)
  }

  return {
    /** The verified bank funding source for what the partner's flow handed the app; one caller key makes a retry create nothing twice. */
    async createFundingSource (request: CreateFundingSource): Promise<VerifiedBank> {
      const { customerId, name, bankAccountType } = request
      const exchangePath = await exchangeOf(request)
      // Dwolla's 403 here means the exchange is another customer's.
      const sourcePath = await create('createFundingSource', {
        method: 'POST',
        path: `/customers/${encodeURIComponent(customerId)}/funding-sources`,
        body: JSON.stringify({ _links: { exchange: { href: origin + exchangePath } }, bankAccountType, name })
      }, fundingSourceScope(request), { 403: 'EXCHANGE_NOT_FOUND', 404: 'CUSTOMER_NOT_FOUND' })
      const source = await retrieve('retrieveFundingSource', sourcePath, isFundingSource)
      return { fundingSourceId: source.id, exchangeId: lastSegment(exchangePath), name: source.name, bankName: source.bankName, bankAccountType: source.bankAccountType, status: source.status }
    },

    /**
     * The balance of the customer's own funding source, and the exchange it came from. Ownership
     * is checked first: another customer's funding source never reaches the balance endpoint.
     */
    async fundingSourceBalance (customerId: string, fundingSourceId: string): Promise<{ exchangeId: string | undefined, balance: Balance }> {
      const { path, type, exchangeId } = await ownFundingSource(customerId, fundingSourceId)
      // A bank's balance comes from its open-banking partner; a Dwolla balance's is another resource altogether.
      if (type !== 'bank') throw refused('BALANCE_NOT_SUPPORTED')
      const response = await authorized('retrieveBalance', { method: 'GET', path: `${path}/balance` })
      if (response.status === 200 && isBalance(response.body)) {
        const { available, closing, lastUpdated } = response.body
        return { exchangeId, balance: { ...(available && { available }), closing, lastUpdated } }
      }
      const dwollaError = errorBody(response.body)
      // Without the link Dwolla documents, the exchange to re-authenticate is still the funding source's own.
      const reauthExchange = exchangeIdIn(dwollaError?._links?.about?.href) ?? exchangeId
      if (dwollaError?.code === 'UpdateCredentials' && reauthExchange !== undefined) {
        throw new Problem('REAUTH_REQUIRED', 'The bank connection needs re-authentication: start a re-auth session for the exchange.', { exchangeId: reauthExchange })
      }
      if (dwollaError?.code === 'UnsupportedOperation') throw refused('BALANCE_NOT_SUPPORTED')
      throw refusalProblem('retrieveBalance', response, [], { 403: 'BALANCE_NOT_ENABLED', 404: 'FUNDING_SOURCE_NOT_FOUND' })
    }
  }
}
