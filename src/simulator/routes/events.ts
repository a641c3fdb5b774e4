import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { notFound } from '../errors.js'
import { link, origin } from '../hal.js'
import type { Webhooks } from '../webhooks.js'

/** Dwolla's default page, and the most one page may hold. */
const DEFAULT_LIMIT = 25
const MAX_LIMIT = 200

// Query values arrive as strings and the simulator coerces nothing: digits, a limit of at least 1.
const Paging = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^0*[1-9]\\d{0,8}$' })),
  offset: Type.Optional(Type.String({ pattern: '^\\d{1,9}$' }))
})

const IdParams = Type.Object({ id: Type.String() })

/** GET /events (every event, as its webhooks carry it; the simulator created, newest first, paged by limit and offset) and GET /events/:id. */
export const eventRoutes: FastifyPluginAsyncTypebox<{ webhooks: Webhooks }> = async (app, { webhooks }) => {
  app.get('/events', { schema: { querystring: Paging } }, async (request) => {
    // A larger limit gets the largest page, as Dwolla's lists do.
    const limit = Math.min(Number(request.query.limit ?? DEFAULT_LIMIT), MAX_LIMIT)
    const offset = Number(request.query.offset ?? 0)
    const newestFirst = webhooks.events.toReversed()
    const total = newestFirst.length
    const page = (at: number) => link(`${origin(request)}/events?limit=${limit}&offset=${at}`, 'event')
    return {
      _links: {
        self: page(offset),
        first: page(0),
        last: page(Math.max(0, Math.ceil(total / limit) - 1) * limit),
        ...(offset + limit < total && { next: page(offset + limit) }),
        ...(offset > 0 && { prev: page(Math.max(0, offset - limit)) })
      },
      _embedded: { events: newestFirst.slice(offset, offset + limit) },
      total
    }
  })

  app.get('/events/:id', { schema: { params: IdParams } }, async (request) => {
    const event = webhooks.events.find(({ id }) => id === request.params.id)
    if (!event) throw notFound()
    return event
  })
}
