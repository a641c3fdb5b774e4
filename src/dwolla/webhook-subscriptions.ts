import { lastSegment, type DwollaCore } from './core.js'
import { refusalProblem, validationDetails } from './refusals.js'
import { isWebhookSubscription, isWebhookSubscriptions, type WebhookSubscription } from './wire.js'

/** Pauses or unpauses (resumes) a webhook subscription; answers it as it now is. */
export function pauseWebhookSubscriptions ({ authorized }: Pick<DwollaCore, 'authorized'>) {
  return async function setWebhookSubscriptionPaused (id: string, paused: boolean): Promise<WebhookSubscription> {
    const operation = 'updateWebhookSubscription'
    const response = await authorized(operation, { method: 'POST', path: `/webhook-subscriptions/${encodeURIComponent(id)}`, body: JSON.stringify({ paused }) })
    if (response.status === 200 && isWebhookSubscription(response.body)) {
      const { url, created } = response.body
      return { id: response.body.id, url, paused: response.body.paused, created }
    }
    throw refusalProblem(operation, response, [], { 404: 'NOT_FOUND' })
  }
}

/** The account's webhook subscriptions: where Dwolla posts its events, signed with a secret. */
export function createWebhookSubscriptions ({ authorized, retrieve, sameOriginPath }: Pick<DwollaCore, 'authorized' | 'retrieve' | 'sameOriginPath'>) {
  return {
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
    }
  }
}
