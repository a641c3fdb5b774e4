import { createHmac, randomUUID } from 'node:crypto'

/** A Dwolla event as its webhook carries it. */
export function dwollaEvent (
  topic: string, resourceId: string, customerId: string | undefined, id: string = randomUUID(), created = new Date().toISOString()
) {
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
export function postWebhook (base: string, body: string, signature: string | undefined, headers: Record<string, string> = {}) {
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
