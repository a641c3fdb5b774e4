import { Problem } from '../problems.js'
import { createPartnerDirectory, type PartnerName } from './partners.js'
import { createTokenManager } from './token.js'
import { createTransport, type DwollaObserver, type DwollaRequest, type DwollaResponse, type Operation } from './transport.js'
import {
  HAL_MEDIA_TYPE, isDwollaErrorBody, isExchangePartners, isExchangeSession, isTokenResponse, type DwollaErrorBody
} from './wire.js'

export interface DwollaClientOptions {
  /** Dwolla's base URL: an origin such as https://api-sandbox.dwolla.com. */
  apiUrl: string
  key: string
  secret: string
  /** Budget for one Dwolla call, all its attempts included. */
  timeoutMs: number
  observer: DwollaObserver
}

/** What an app needs to send its user to the partner. */
export type SessionStart =
  | { partner: 'visa' | 'mx'; exchangeSessionUrl: string }
  | { partner: 'plaid'; linkToken: string }

export interface CreateExchangeSession {
  customerId: string
  partner: PartnerName
  redirectUrl: string | undefined
  idempotencyKey: string
}

const TOKEN_REJECTIONS = new Set(['ExpiredAccessToken', 'InvalidAccessToken'])
const REDIRECT_NOT_REGISTERED = /configured URLs/i

const errorBody = (body: unknown): DwollaErrorBody | undefined => isDwollaErrorBody(body) ? body : undefined

/** A Dwolla answer the caller cannot fix. */
function upstreamProblem (operation: Operation, response: DwollaResponse): Problem {
  return new Problem('UPSTREAM_ERROR', 'Dwolla answered unexpectedly.', {
    cause: { operation, status: response.status, dwollaCode: errorBody(response.body)?.code }
  })
}

/** Dwolla's validation messages with their paths, top-level and embedded alike. */
function validationDetails (response: DwollaResponse): string[] {
  const dwollaError = errorBody(response.body)
  if (response.status !== 400 || !dwollaError) return []
  const embedded = dwollaError._embedded?.errors ?? []
  return [dwollaError.message, ...embedded.map(({ message = '', path = '' }) => `${path} ${message}`)]
}

/** Maps Dwolla's documented answers to creating an exchange session onto our problems. */
function createSessionProblem (response: DwollaResponse, details: string[]): Problem {
  if (details.some((detail) => REDIRECT_NOT_REGISTERED.test(detail))) {
    return new Problem('REDIRECT_URL_NOT_REGISTERED', 'Dwolla says the redirect URL does not match the URLs configured for the account.')
  }
  if (details.some((detail) => detail.includes('/_links/redirect-url'))) {
    return new Problem('REDIRECT_URL_INVALID', 'Dwolla rejected the form of the redirect URL.')
  }
  if (response.status === 403) {
    return new Problem('PARTNER_NOT_ENABLED', 'The partner does not support exchange sessions or is not enabled for this account.')
  }
  if (response.status === 404) return new Problem('CUSTOMER_NOT_FOUND', 'Dwolla has no such customer.')
  return upstreamProblem('createExchangeSession', response)
}

/** Reduces a retrieved exchange session to what the app needs, per partner. */
function sessionStart (partner: PartnerName, response: DwollaResponse): SessionStart {
  if (response.status === 200 && isExchangeSession(response.body)) {
    const { _links, externalProviderSessionToken } = response.body
    if (partner === 'plaid' && externalProviderSessionToken) return { partner, linkToken: externalProviderSessionToken }
    const href = _links['external-provider-session']?.href
    if (partner !== 'plaid' && href) return { partner, exchangeSessionUrl: href }
  }
  return failUpstream('retrieveExchangeSession', response)
}

function failUpstream (operation: Operation, response: DwollaResponse): never {
  throw upstreamProblem(operation, response)
}

/** The only code that speaks Dwolla's wire format. */
export function createDwollaClient ({ apiUrl, key, secret, timeoutMs, observer }: DwollaClientOptions) {
  const origin = new URL(apiUrl).origin
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
  async function authorized (operation: Operation, request: DwollaRequest): Promise<DwollaResponse> {
    const attempt = (token: string) => send(operation, request, {
      authorization: `Bearer ${token}`,
      accept: HAL_MEDIA_TYPE,
      ...(request.body !== undefined && { 'content-type': HAL_MEDIA_TYPE }),
      ...(request.idempotencyKey !== undefined && { 'idempotency-key': request.idempotencyKey })
    })
    const token = await tokens.get()
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
    if (typeof location === 'string' && URL.canParse(location, origin)) {
      const url = new URL(location, origin)
      if (url.origin === origin) return url.pathname + url.search
    }
    return failUpstream(operation, response)
  }

  return {
    async createExchangeSession ({ customerId, partner, redirectUrl, idempotencyKey }: CreateExchangeSession): Promise<SessionStart> {
      const partnerHref = await partners.href(partner)
      if (partnerHref === undefined) {
        partners.forget()
        throw new Problem('UPSTREAM_UNAVAILABLE', `Dwolla does not list ${partner} as an exchange partner right now.`)
      }
      const links = redirectUrl === undefined
        ? { 'exchange-partner': { href: partnerHref } }
        : { 'exchange-partner': { href: partnerHref }, 'redirect-url': { href: redirectUrl } }
      const created = await authorized('createExchangeSession', {
        method: 'POST',
        path: `/customers/${encodeURIComponent(customerId)}/exchange-sessions`,
        body: JSON.stringify({ _links: links }),
        idempotencyKey
      })
      if (created.status !== 201) {
        const details = validationDetails(created)
        // A stale partner href would fail every request: fetch the list afresh next time.
        if (details.some((detail) => detail.includes('/_links/exchange-partner'))) partners.forget()
        throw createSessionProblem(created, details)
      }
      const retrieved = await authorized('retrieveExchangeSession', {
        method: 'GET',
        path: sameOriginPath('createExchangeSession', created)
      })
      return sessionStart(partner, retrieved)
    },

    /** Resolves once a Dwolla token can be had. */
    async ready (): Promise<void> {
      await tokens.get()
    },

    close
  }
}

export type DwollaClient = ReturnType<typeof createDwollaClient>
