import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DwollaError, notFound } from '../errors.js'
import { link, origin } from '../hal.js'
import type { WebhookSubscription, Webhooks } from '../webhooks.js'

const CreateSubscription = Type.Object({
  url: Type.String({ pattern: '^https?://[^\\s/?#]+' }),
  secret: Type.String({ minLength: 1, maxLength: 128 })
})

const IdParams = Type.Object({ id: Type.String() })

const UpdateSubscription = Type.Object({ paused: Type.Boolean() })

const maxSubscriptions = () =>
  new DwollaError(400, { code: 'MaxNumberOfResources', message: 'The maximum number of subscriptions has been reached.' })

/** POST, GET and DELETE /webhook-subscriptions, and POST /webhook-subscriptions/:id to pause or unpause one: where the simulator sends its events. */
export const webhookSubscriptionRoutes: FastifyPluginAsyncTypebox<{ webhooks: Webhooks }> = async (app, { webhooks }) => {
  const represent = (base: string, { id, url, paused, created }: WebhookSubscription) => ({
    _links: {
      self: link(`${base}/webhook-subscriptions/${id}`, 'webhook-subscription'),
      webhooks: link(`${base}/webhook-subscriptions/${id}/webhooks`, 'webhook')
    },
    id,
    url,
    paused,
    created
  })
  const known = (id: string) => {
    const subscription = webhooks.subscriptions.get(id)
    if (!subscription) throw notFound()
    return subscription
  }

  app.post('/webhook-subscriptions', { schema: { body: CreateSubscription } }, async (request, reply) => {
    const subscription = webhooks.subscribe(request.body.url, request.body.secret)
    if (!subscription) throw maxSubscriptions()
    return reply.code(201).header('location', `${origin(request)}/webhook-subscriptions/${subscription.id}`).send()
  })

  app.get('/webhook-subscriptions', async (request) => {
    const base = origin(request)
    const all = [...webhooks.subscriptions.values()]
    return {
      _links: { self: link(`${base}/webhook-subscriptions`, 'webhook-subscription') },
      _embedded: { 'webhook-subscriptions': all.map((subscription) => represent(base, subscription)) },
      total: all.length
    }
  })

  app.get('/webhook-subscriptions/:id', { schema: { params: IdParams } }, async (request) =>
    represent(origin(request), known(request.params.id)))

  app.post('/webhook-subscriptions/:id', { schema: { params: IdParams, body: UpdateSubscription } }, async (request) => {
    const subscription = known(request.params.id)
    webhooks.setPaused(subscription, request.body.paused)
    return represent(origin(request), subscription)
  })

  app.delete('/webhook-subscriptions/:id', { schema: { params: IdParams } }, async (request) => {
    const subscription = known(request.params.id)
    webhooks.subscriptions.delete(subscription.id)
    return represent(origin(request), subscription)
  })
}
