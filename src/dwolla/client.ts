import type { TSchema } from '@sinclair/typebox'
import { Problem, type ProblemCode, type ProblemOptions } from '../problems.js'
import { dwollaIdempotencyKey, type CreateScope } from './idempotency.js'
import { createPartnerDirectory, type PartnerName } from './partners.js'
import { createTokenManager } from './token.js'
import { createTransport, type DwollaObserver, type DwollaRequest, type DwollaResponse, type Operation } from './transport.js'
import {
  HAL_MEDIA_TYPE, isAvailableExchangeConnections, isBalance, isDwollaErrorBody, isExchange, isExchangePartners, isExchanges,
  isExchangeSession, isFundingSource, isFundingSourceOwner, isTokenResponse, isWebhookSubscription, isWebhookSubscriptions,
  type DwollaErrorBody, type ExchangeSession, type WireCheck
} from './wire.js'

export interface DwollaClientOptions {
  /** Dwolla's base URL: an origin such as https://api-sandbox.dwolla.com. */
  apiUrl: string
  key: string
  secret: string
  /** Budget for one Dwolla call, all its attempts included. */
  timeoutMs: number
  observer: DwollaObserver
  /** Simulator mode: where browsers reach the simulator, whose bank pages are the one non-https: session URL allowed. */
  simulatorUrl?: string | undefined
}

/** What an app needs to send its user to the partner. */
export type SessionStart =
  | { partner: 'visa' | 'mx'; exchangeSessionUrl: string }
  | { partner: 'plaid'; linkToken: string }

export interface CreateExchangeSession {
  customerId: string
  partner: PartnerName
  platform: string
  redirectUrl: string | undefined
  /** The caller's key, if it sent one, from which the Dwolla create's key is derived (see dwollaIdempotencyKey). */
  idempotencyKey: string | undefined
}

export interface CreateReAuthExchangeSession {
  customerId: string
  exchangeId: string
  /** The exchange's own partner (see exchangePartner). */
  partner: PartnerName
  platform: string
  redirectUrl: string | undefined
  /** The caller's key, if it sent one, from which the Dwolla create's key is derived (see dwollaIdempotencyKey). */
  idempotencyKey: string | undefined
}

/** What the partner's flow handed the app: Visa's exchange, or a token Dwolla turns into one. */
export type PartnerGrant =
  | { partner: 'visa'; exchangeId: string }
  | { partner: 'plaid'; publicToken: string }
  | { partner: 'mx'; availableConnectionToken: string }

export type BankAccountType = 'checking' | 'savings'

export type CreateFundingSource = PartnerGrant & {
  customerId: string
  name: string
  bankAccountType: BankAccountType
  /** The caller's key, if it sent one: each Dwolla create in the call gets its own key derived from it (see dwollaIdempotencyKey). */
  idempotencyKey: string | undefined
}

/** What the app learns of the verified bank. */
export interface VerifiedBank {
  fundingSourceId: string
  /** The exchange it came from: the one to re-authenticate when Dwolla asks. */
  exchangeId: string
  name: string
  bankName: string
  bankAccountType: BankAccountType
  status: string
}

export interface Amount {
  value: string
  currency: string
}

export interface Balance {
  available?: Amount
  closing: Amount
  lastUpdated: string
}

/** One of the customer's exchanges, as the app sees it. */
export interface CustomerExchange {
  exchangeId: string
  /** Dwolla's partner name in lowercase: visa, plaid, mx, or another Dwolla lists. */
  partner: string
  status: string
  created: string
}

export interface WebhookSubscription {
  id: string
  url: string
  paused: boolean
  created: string
}

export interface AvailableConnection {
  name: string
  availableConnectionToken: string
}

/** Only these 401s are about our token; InvalidExchangeToken's 401 is about the partner's. */
const TOKEN_REJECTIONS = new Set(['ExpiredAccessToken', 'InvalidAccessToken'])
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

// A path URL parsing leaves as it is: no dots, percent escapes, backslashes, query or fragment.
const PLAIN_PATH = /^\/[\w\-/]*$/
/** The exchange form of Dwolla's duplicate: a 400 ValidationError whose message says so, naming no id. */
const AUTHORIZATION_ALREADY_USED = /Authorization already associated to a funding source/i
/** The manual-entry form names the existing funding source: "Bank already exists: id=…". */
const EXISTING_ID = /\bid=([0-9a-f-]{36})\b/i

/** What a call's bare statuses mean, where Dwolla documents them for it. */
type RefusalsByStatus = Partial<Record<number, Refusal>>

/** The id an href names after /exchanges/: an exchange's own, or its re-auth sessions'. */
const exchangeIdIn = (href: string | undefined) => href === undefined ? undefined : /\/exchanges\/([^/?#]+)/.exec(href)?.[1]

/** The last segment of a path or href: the id of the resource it names. */
const lastSegment = (path: string) => path.slice(path.lastIndexOf('/') + 1)

const refused = (refusal: Refusal, options?: ProblemOptions) => new Problem(refusal, REFUSALS[refusal], options)

const errorBody = (body: unknown): DwollaErrorBody | undefined => isDwollaErrorBody(body) ? body : undefined

/** A Dwolla answer the caller cannot fix; `reason` says what was wrong with it, for the log. */
function upstreamProblem (operation: Operation, response: Pick<DwollaResponse, 'status' | 'body'>, reason?: object): Problem {
  return new Problem('UPSTREAM_ERROR', 'Dwolla answered unexpectedly.', {
    cause: { operation, status: response.status, dwollaCode: errorBody(response.body)?.code, ...reason }
  })
}

/** Dwolla's validation messages with their paths, top-level and embedded alike. */
function validationDetails (response: DwollaResponse): string[] {
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
  if (details.some((detail) => detail.includes('/_links/exchange-partner'))) {
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

/**
 * Reduces an exchange session to what the app needs, per partner. The app opens the URL, so it
 * must be a web page: absolute https:, or on `pagesOrigin` (the simulator's); never javascript:,
 * data:, relative or plain http elsewhere.
 */
function sessionStart (partner: PartnerName, session: ExchangeSession, pagesOrigin: string | undefined): SessionStart {
  const { _links, externalProviderSessionToken } = session
  if (partner === 'plaid' && externalProviderSessionToken) return { partner, linkToken: externalProviderSessionToken }
  const href = _links['external-provider-session']?.href
  if (partner === 'plaid' || !href) throw upstreamProblem('retrieveExchangeSession', { status: 200, body: session })
  // Dwolla's own form, parsed once to check it is a URL at all; anything else is looked at closely.
  if (href.startsWith('https://') && URL.canParse(href)) return { partner, exchangeSessionUrl: href }
  const url = URL.canParse(href) ? new URL(href) : undefined
  if (url?.protocol === 'https:' || (url !== undefined && url.origin === pagesOrigin)) return { partner, exchangeSessionUrl: href }
  throw upstreamProblem('retrieveExchangeSession', { status: 200, body: session }, {
    reason: 'the exchange-session URL is not a web page', scheme: url?.protocol ?? 'relative'
  })
}

function failUpstream (operation: Operation, response: DwollaResponse): never {
  throw upstreamProblem(operation, response)
}

/** Both creates of a funding-source call are scoped by the whole request, so a retry replays each step. */
function fundingSourceScope ({ customerId, idempotencyKey, ...content }: CreateFundingSource): CreateScope {
  return { customerId, content, callerKey: idempotencyKey }
}

/** Creating from a partner under a customer: Dwolla's 403 is the partner refusing, its 404 the customer missing. */
const CUSTOMER_REFUSALS: RefusalsByStatus = { 403: 'PARTNER_NOT_ENABLED', 404: 'CUSTOMER_NOT_FOUND' }

/** The only code that speaks Dwolla's wire format. */
export function createDwollaClient ({ apiUrl, key, secret, timeoutMs, observer, simulatorUrl }: DwollaClientOptions) {
  const origin = new URL(apiUrl).origin
  const originSlash = `${origin}/`
  const simulatorOrigin = simulatorUrl === undefined ? undefined : new URL(simulatorUrl).origin
  const { send, close } = createTransport({ origin, timeoutMs, observer })
  const basicCredentials = `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`

  const tokens = createTokenManager({
    async fetchToken () {
      const response = await send('token', { method: 'POST', path: '/token', body: 'grant_type=client_credentials' }, {
        authorization: basicCredentials,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json'
      })
      if (response.status === 200 && isTokenResponse(response.body)) {
        observer.tokenRefresh()
        return { value: response.body.access_token, expiresIn: response.body.expires_in }
      }
      return failUpstream('token', response)
    }
  })

  /** A call with the application token, refreshed and retried once when Dwolla rejects it. */
  async function authorized (operation: Operation, request: DwollaRequest, idempotencyKey?: string): Promise<DwollaResponse> {
    const attempt = (token: string) => send(operation, request, {
      authorization: `Bearer ${token}`,
      accept: HAL_MEDIA_TYPE,
      ...(request.body !== undefined && { 'content-type': HAL_MEDIA_TYPE }),
      ...(idempotencyKey !== undefined && { 'idempotency-key': idempotencyKey })
    })
    // The cached token without a wait: nearly every call has one.
    const token = tokens.cached() ?? await tokens.get()
    const response = await attempt(token)
    if (response.status !== 401 || !TOKEN_REJECTIONS.has(errorBody(response.body)?.code ?? '')) return response
    tokens.invalidate(token)
    return attempt(await tokens.get())
  }

  const partners = createPartnerDirectory({
    async listPartners () {
      const response = await authorized('listExchangePartners', { method: 'GET', path: '/exchange-partners' })
      if (response.status !== 200 || !isExchangePartners(response.body)) {
        return failUpstream('listExchangePartners', response)
      }
      return response.body._embedded['exchange-partners'].map(({ name, _links }) => ({ name, href: _links.self.href }))
    }
  })

  /** The path of a Location under Dwolla's origin; the bearer token is never sent anywhere else. */
  function sameOriginPath (operation: Operation, response: DwollaResponse): string {
    const location = response.headers.location
    // Dwolla's own form (origin, then a path of plain characters) is what URL parsing would answer.
    if (typeof location === 'string' && location.startsWith(originSlash) && PLAIN_PATH.test(location.slice(origin.length))) {
      return location.slice(origin.length)
    }
    if (typeof location === 'string' && URL.canParse(location, origin)) {
      const url = new URL(location, origin)
      if (url.origin === origin) return url.pathname + url.search
    }
    return failUpstream(operation, response)
  }

  /**
   * Creates a resource and answers the path of its Location, or throws the problem Dwolla's refusal
   * means. Every create carries the Idempotency-Key its scope derives, and no other.
   */
  async function create (operation: Operation, request: DwollaRequest, scope: CreateScope, byStatus: RefusalsByStatus): Promise<string> {
    const response = await authorized(operation, request, dwollaIdempotencyKey(operation, scope))
    if (response.status === 201) return sameOriginPath(operation, response)
    const details = validationDetails(response)
    // A stale partner href would fail every request: fetch the list afresh next time.
    if (details.some((detail) => detail.includes('/_links/exchange-partner'))) partners.forget()
    throw refusalProblem(operation, response, details, byStatus)
  }

  /** Retrieves a resource of the expected shape, or throws the problem Dwolla's answer means. */
  async function retrieve<T extends TSchema> (operation: Operation, path: string, expected: WireCheck<T>, byStatus: RefusalsByStatus = {}) {
    const response = await authorized(operation, { method: 'GET', path })
    if (response.status === 200 && expected(response.body)) return response.body
    throw refusalProblem(operation, response, [], byStatus)
  }

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

  async function listedPartnerHref (partner: PartnerName): Promise<string> {
    const partnerHref = await partners.href(partner)
    if (partnerHref === undefined) {
      partners.forget()
      throw new Problem('UPSTREAM_UNAVAILABLE', `Dwolla does not list ${partner} as an exchange partner right now.`)
    }
    return partnerHref
  }

  async function startSession (partner: PartnerName, sessionPath: string): Promise<SessionStart> {
    return sessionStart(partner, await retrieve('retrieveExchangeSession', sessionPath, isExchangeSession), simulatorOrigin)
  }

  /** The customer's own exchange; another customer's is as unknown to the caller as a missing one. */
  async function ownExchange (customerId: string, exchangeId: string) {
    const path = `/exchanges/${encodeURIComponent(exchangeId)}`
    const exchange = await retrieve('retrieveExchange', path, isExchange, { 404: 'EXCHANGE_NOT_FOUND' })
    if (!exchange._links.customer.href.endsWith(`/customers/${customerId}`)) throw refused('EXCHANGE_NOT_FOUND')
    return { path, partnerHref: exchange._links['exchange-partner'].href }
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
    async createExchangeSession ({ customerId, partner, platform, redirectUrl, idempotencyKey }: CreateExchangeSession): Promise<SessionStart> {
      const partnerHref = await listedPartnerHref(partner)
      const links = redirectUrl === undefined
        ? { 'exchange-partner': { href: partnerHref } }
        : { 'exchange-partner': { href: partnerHref }, 'redirect-url': { href: redirectUrl } }
      const sessionPath = await create('createExchangeSession', {
        method: 'POST',
        path: `/customers/${encodeURIComponent(customerId)}/exchange-sessions`,
        body: JSON.stringify({ _links: links })
      }, { customerId, content: { partner, platform, redirectUrl }, callerKey: idempotencyKey }, CUSTOMER_REFUSALS)
      return startSession(partner, sessionPath)
    },

    /** The partner of the customer's own exchange, for re-authenticating it. */
    async exchangePartner (customerId: string, exchangeId: string): Promise<PartnerName> {
      const partner = await partners.partnerOf((await ownExchange(customerId, exchangeId)).partnerHref)
      if (partner === undefined) throw new Problem('PARTNER_NOT_ENABLED', 'This service re-authenticates Visa, Plaid and MX exchanges only.')
      return partner
    },

    async createReAuthExchangeSession ({ customerId, exchangeId, partner, platform, redirectUrl, idempotencyKey }: CreateReAuthExchangeSession): Promise<SessionStart> {
      const sessionPath = await create('createReAuthExchangeSession', {
        method: 'POST',
        path: `/exchanges/${encodeURIComponent(exchangeId)}/exchange-sessions`,
        // Dwolla's own examples send no body when there is no redirect.
        body: redirectUrl === undefined ? undefined : JSON.stringify({ _links: { 'redirect-url': { href: redirectUrl } } })
      }, { customerId, exchangeId, content: { partner, platform, redirectUrl }, callerKey: idempotencyKey }, { 404: 'EXCHANGE_NOT_FOUND' })
      return startSession(partner, sessionPath)
    },

    async listAvailableExchangeConnections (customerId: string): Promise<AvailableConnection[]> {
      const path = `/customers/${encodeURIComponent(customerId)}/available-exchange-connections`
      const list = await retrieve('listAvailableExchangeConnections', path, isAvailableExchangeConnections, { 404: 'CUSTOMER_NOT_FOUND' })
      return list._embedded['available-exchange-connections'].map(({ name, availableConnectionToken }) => ({ name, availableConnectionToken }))
    },

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
    },

    /** The customer's exchanges, each with its partner's name. */
    async listExchanges (customerId: string): Promise<CustomerExchange[]> {
      const path = `/customers/${encodeURIComponent(customerId)}/exchanges`
      const list = await retrieve('listExchanges', path, isExchanges, { 404: 'CUSTOMER_NOT_FOUND' })
      return Promise.all(list._embedded.exchanges.map(async ({ id, status, created, _links }) => ({
        exchangeId: id,
        partner: await partners.nameOf(_links['exchange-partner'].href) ?? 'unknown',
        status,
        created
      })))
    },

    /** Subscribes a URL to the account's webhooks, signed with the secret; answers the subscription's id. */
    async createWebhookSubscription (url: string, secret: string): Promise<string> {
      // An account-wide resource, not a customer's: no derived Idempotency-Key, the CLI is run by hand.
      const operation = 'createWebhookSubscription'
      const response = await authorized(operation, { method: 'POST', path: '/webhook-subscriptions', body: JSON.stringify({ url, secret }) })
      if (response.status === 201) return lastSegment(sameOriginPath(operation, response))
      throw refusalProblem(operation, response, validationDetails(response), {})
    },

    async listWebhookSubscriptions (): Promise<WebhookSubscription[]> {
      const list = await retrieve('listWebhookSubscriptions', '/webhook-subscriptions', isWebhookSubscriptions)
      return list._embedded['webhook-subscriptions'].map(({ id, url, paused, created }) => ({ id, url, paused, created }))
    },

    async removeWebhookSubscription (id: string): Promise<void> {
      const response = await authorized('removeWebhookSubscription', { method: 'DELETE', path: `/webhook-subscriptions/${encodeURIComponent(id)}` })
      if (response.status === 200 && isWebhookSubscription(response.body)) return
      throw refusalProblem('removeWebhookSubscription', response, [], { 404: 'NOT_FOUND' })
    },

    /** The authorized-call plumbing, for the resource modules built on this client (see events.ts). */
    authorized,
    retrieve,

    /** Resolves once a Dwolla token can be had. */
    async ready (): Promise<void> {
      await tokens.get()
    },

    close
  }
}

export type DwollaClient = ReturnType<typeof createDwollaClient>
