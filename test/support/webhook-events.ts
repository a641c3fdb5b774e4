import { createHmac, randomUUID } from 'node:crypto'

export interface EventFields {
  topic: string
  resourceId: string
  /** Left out for an event about no customer. */
  customerId?: string
  id?: string
  created?: string
}

/** A Dwolla event as its webhook carries it. */
export function dwollaEvent ({ topic, resourceId, customerId, id = randomUUID(), created = new Date().toISOString() }: EventFields) {
  const base = 'https://api-sandbox.dwolla.com'
  const resource = topic.includes('exchange') ? 'exchanges' : 'funding-sources'
  return {
    _links: {
      self: { href: `${base}/events/${id}` },
      account: { href: `${base}/accounts/ad5f2162-404a-4c4c-994e-6ab6c3a13254` },
      resource: { href: `${base}/${resource}/${resourceId}` },
      ...(customerId !== undefined && { customer: { href: `${base}/customers/${customerId}` } })
    },
    id,
    resourceId,
    topic,
    timestamp: created,
    created
  }
}

export const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex')

/** POSTs a webhook as Dwolla does: the raw body, its topic and its signature (or the one given). */
export function postWebhook (base: string, { body, signature, headers = {} }: { body: string, signature?: string, headers?: Record<string, string> }) {
  return fetch(`${base}/webhooks/dwolla`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature !== undefined && { 'x-request-signature-sha-256': signature }),
      ...headers
    },
    body
  })
}
