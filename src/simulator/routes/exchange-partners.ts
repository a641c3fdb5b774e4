import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { link, origin } from '../hal.js'
import type { State } from '../state.js'

/** GET /exchange-partners: Dwolla's partner list, each with its id and self link. */
export const exchangePartnerRoutes: FastifyPluginAsyncTypebox<{ state: State }> = async (app, { state }) => {
  app.get('/exchange-partners', async (request) => {
    const base = `${origin(request)}/exchange-partners`
    return {
      _links: { self: link(base, 'exchange-partner') },
      _embedded: {
        'exchange-partners': state.partners.map(({ id, name, created }) => ({
          _links: { self: link(`${base}/${id}`, 'exchange-partner') },
          id,
          name,
          status: 'active',
          created
        }))
      },
      total: state.partners.length
    }
  })
}
