import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { forbidden, invalidField, notFound } from '../errors.js'
import { link, origin } from '../hal.js'
import { partnerOf, type PartnerFlow } from '../partner-flows.js'
import type { State } from '../state.js'

const Href = Type.Object({ href: Type.String() })

const CreateExchangeSession = Type.Object({
  _links: Type.Object({ 'exchange-partner': Href, 'redirect-url': Type.Optional(Href) })
})

/** A re-auth session's body is optional: at most a redirect URL. */
const CreateReAuthExchangeSession = Type.Object({
  _links: Type.Optional(Type.Object({ 'redirect-url': Type.Optional(Href) }))
})

const IdParams = Type.Object({ id: Type.String() })

const REDIRECT_PATH = '/_links/redirect-url/href'

export interface SimulatedExchangeSessionRouteOptions {
  state: State
  registeredRedirects: readonly string[]
  /** Origin of the bank pages for browsers; else the origin the session was created on. */
  publicUrl: string | undefined
}

/** The redirect URL the partner's flow returns to, checked as Dwolla checks it. */
function checkPartnerRedirect (partner: PartnerFlow, href: string | undefined, registered: readonly string[]) {
  const rule = partner.redirect
  if (!rule) return undefined
  if (href === undefined && !rule.required) return undefined
  if (href === undefined || !rule.accepts(href)) throw invalidField(REDIRECT_PATH)
  if (!registered.includes(href)) {
    throw invalidField(REDIRECT_PATH, 'The provided redirect URL must exactly match one of the configured URLs for the account.')
  }
  return href
}

/** POST /customers/:id/exchange-sessions, POST /exchanges/:id/exchange-sessions (re-auth) and GET /exchange-sessions/:id. */
export const simulatedExchangeSessionRoutes: FastifyPluginAsyncTypebox<SimulatedExchangeSessionRouteOptions> = async (app, options) => {
  const { state } = options

  app.post('/customers/:id/exchange-sessions', { schema: { params: IdParams, body: CreateExchangeSession } }, async (request, reply) => {
    const links = request.body._links
    const partner = partnerOf(state.partners, links['exchange-partner'].href)
    if (!partner) throw invalidField('/_links/exchange-partner/href')
    if (partner.flow === 'unsupported') throw forbidden('The exchange partner specified does not support this product.')
    if (!state.customers.has(request.params.id)) throw notFound()
    const session = state.addSession({
      customerId: request.params.id,
      partner,
      reauth: undefined,
      redirectUrl: checkPartnerRedirect(partner, links['redirect-url']?.href, options.registeredRedirects),
      bankOrigin: options.publicUrl ?? origin(request)
    })
    return reply.code(201).header('location', `${origin(request)}/exchange-sessions/${session.id}`).send()
  })

  app.post('/exchanges/:id/exchange-sessions', {
    schema: { params: IdParams, body: CreateReAuthExchangeSession },
    // Dwolla's examples send no body at all for Plaid on the web.
    preValidation: async (request) => { request.body ??= {} }
  }, async (request, reply) => {
    const exchange = state.exchanges.get(request.params.id)
    if (!exchange) throw notFound()
    const session = state.addSession({
      customerId: exchange.customerId,
      partner: exchange.partner,
      reauth: exchange,
      redirectUrl: checkPartnerRedirect(exchange.partner, request.body._links?.['redirect-url']?.href, options.registeredRedirects),
      bankOrigin: options.publicUrl ?? origin(request)
    })
    return reply.code(201).header('location', `${origin(request)}/exchange-sessions/${session.id}`).send()
  })

  app.get('/exchange-sessions/:id', { schema: { params: IdParams } }, async (request) => {
    const session = state.sessions.get(request.params.id)
    if (!session) throw notFound()
    const base = origin(request)
    return {
      created: session.created,
      _links: {
        self: link(`${base}/exchange-sessions/${session.id}`, 'exchange-sessions'),
        'exchange-partner': link(`${base}/exchange-partners/${session.partner.id}`, 'exchange-partner'),
        ...(session.partner.flow === 'bank-page' && {
          'external-provider-session': link(`${session.bankOrigin}/simulator/bank/${session.id}`, 'text/html')
        })
      },
      ...(session.linkToken !== undefined && { externalProviderSessionToken: session.linkToken })
    }
  })
}
