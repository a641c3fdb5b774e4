import type { TSchema } from '@sinclair/typebox'
import { Problem } from '../problems.js'
import { dwollaIdempotencyKey, type CreateScope } from './idempotency.js'
import { createPartnerDirectory, type PartnerName } from './partners.js'
import { errorBody, failUpstream, refusalProblem, rejectsPartnerLink, validationDetails, type RefusalsByStatus } from './refusals.js'
import { createTokenManager } from './token.js'
import { createTransport, type DwollaObserver, type DwollaRequest, type DwollaResponse, type Operation } from './transport.js'
import { HAL_MEDIA_TYPE, isExchangePartners, isTokenResponse, type WireCheck } from './wire.js'

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

/** Only these 401s are about our token; InvalidExchangeToken's 401 is about the partner's. */
const TOKEN_REJECTIONS = new Set(['ExpiredAccessToken', 'InvalidAccessToken'])

// A path URL parsing leaves as it is: no dots, percent escapes, backslashes, query or fragment.
const PLAIN_PATH = /^\/[\w\-/]*$/

/** The last segment of a path or href: the id of the resource it names. */
export const lastSegment = (path: string) => path.slice(path.lastIndexOf('/') + 1)

/** The plumbing every resource's calls share: the token, the partner list, create and retrieve. */
export function createDwollaCore ({ apiUrl, key, secret, timeoutMs, observer, simulatorUrl }: DwollaClientOptions) {
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
    if (rejectsPartnerLink(details)) partners.forget()
    throw refusalProblem(operation, response, details, byStatus)
  }

  /** Retrieves a resource of the expected shape, or throws the problem Dwolla's answer means. */
  async function retrieve<T extends TSchema> (operation: Operation, path: string, expected: WireCheck<T>, byStatus: RefusalsByStatus = {}) {
    const response = await authorized(operation, { method: 'GET', path })
    if (response.status === 200 && expected(response.body)) return response.body
    throw refusalProblem(operation, response, [], byStatus)
  }

  /** The href of a partner Dwolla lists; one it does not list right now is worth a fresh list next time. */
  async function listedPartnerHref (partner: PartnerName): Promise<string> {
    const partnerHref = await partners.href(partner)
    if (partnerHref === undefined) {
      partners.forget()
      throw new Problem('UPSTREAM_UNAVAILABLE', `Dwolla does not list ${partner} as an exchange partner right now.`)
    }
    return partnerHref
  }

  return {
    origin,
    simulatorOrigin,
    partners,
    authorized,
    sameOriginPath,
    create,
    retrieve,
    listedPartnerHref,
    /** Resolves once a Dwolla token can be had. */
    async ready (): Promise<void> {
      await tokens.get()
    },
    close
  }
}

export type DwollaCore = ReturnType<typeof createDwollaCore>
