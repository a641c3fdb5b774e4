import { createHmac, randomUUID } from 'node:crypto'
import { request } from 'undici'

export interface WebhookSubscription {
  id: string
  url: string
  secret: string
  /** Set after PAUSE_AFTER_FAILURES consecutive failed deliveries; nothing is sent while paused. */
  paused: boolean
  created: string
  consecutiveFailures: number
}

/** One delivery attempt, as the simulator's log keeps it. */
export interface WebhookDelivery {
  subscriptionId: string
  eventId: string
  topic: string
  /** 0 for the first attempt, then 1 to the schedule's length. */
  retry: number
  /** The status answered; 0 when no answer came. */
  status: number
}

/** What changed, on which resource of which customer; the event's links are built from it. */
export interface EventInput {
  topic: string
  resourceId: string
  /** The changed resource's path, e.g. /exchanges/<id>. */
  resourcePath: string
  customerId: string
}

/** Dwolla pauses a subscription after 400 consecutive failures. */
export const PAUSE_AFTER_FAILURES = 400
/** Dwolla counts an attempt as failed after 10 s without an answer. */
const ATTEMPT_TIMEOUT_MS = 10_000

export interface WebhooksOptions {
  /** Waits before each retry, relative to the previous attempt. */
  retryScheduleMs: readonly number[]
  /** How many subscriptions an account may have at once. */
  maxSubscriptions: number
}

/** The HMAC Dwolla sends in X-Request-Signature-SHA-256: hex SHA-256 of the raw body keyed by the subscription's secret. */
export const webhookSignature = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex')

/**
 * Webhook subscriptions and the events sent to them as Dwolla sends them: a signed POST per
 * subscription, retried on failure on the configured schedule, paused after too many failures.
 */
export function createWebhooks ({ retryScheduleMs, maxSubscriptions }: WebhooksOptions) {
  const subscriptions = new Map<string, WebhookSubscription>()
  const deliveries: WebhookDelivery[] = []
  const timers = new Set<NodeJS.Timeout>()
  const accountId = randomUUID()
  let closed = false

  async function attempt (subscription: WebhookSubscription, topic: string, body: string): Promise<number> {
    try {
      const response = await request(subscription.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-dwolla-topic': topic,
          'x-request-signature-sha-256': webhookSignature(subscription.secret, body)
        },
        body,
        headersTimeout: ATTEMPT_TIMEOUT_MS,
        bodyTimeout: ATTEMPT_TIMEOUT_MS
      })
      await response.body.dump()
      return response.statusCode
    } catch {
      return 0
    }
  }

  async function deliver (subscription: WebhookSubscription, eventId: string, topic: string, body: string, retry: number) {
    const status = await attempt(subscription, topic, body)
    deliveries.push({ subscriptionId: subscription.id, eventId, topic, retry, status })
    // Dwolla does not follow redirects: anything but a 2xx is a failure.
    if (status >= 200 && status < 300) {
      subscription.consecutiveFailures = 0
      return
    }
    if (++subscription.consecutiveFailures >= PAUSE_AFTER_FAILURES) subscription.paused = true
    const wait = retryScheduleMs[retry]
    if (wait === undefined || closed || subscription.paused) return
    const timer = setTimeout(() => {
      timers.delete(timer)
      // A subscription removed meanwhile gets nothing more.
      if (subscriptions.has(subscription.id)) void deliver(subscription, eventId, topic, body, retry + 1)
    }, wait)
    timers.add(timer)
  }

  return {
    subscriptions,
    deliveries: deliveries as readonly WebhookDelivery[],
    /** Adds a subscription, or answers undefined when the account has as many as it may. */
    subscribe (url: string, secret: string): WebhookSubscription | undefined {
      if (subscriptions.size >= maxSubscriptions) return undefined
      const subscription = { id: randomUUID(), url, secret, paused: false, created: new Date().toISOString(), consecutiveFailures: 0 }
      subscriptions.set(subscription.id, subscription)
      return subscription
    },
    /** Creates the event and sends it to every subscription that is not paused; answers the event's id. */
    publish ({ topic, resourceId, resourcePath, customerId }: EventInput, origin: string): string {
      const id = randomUUID()
      const created = new Date().toISOString()
      const body = JSON.stringify({
        _links: {
          self: { href: `${origin}/events/${id}` },
          account: { href: `${origin}/accounts/${accountId}` },
          resource: { href: `${origin}${resourcePath}` },
          customer: { href: `${origin}/customers/${customerId}` }
        },
        id,
        resourceId,
        topic,
        timestamp: created,
        created
      })
      for (const subscription of subscriptions.values()) {
        if (!subscription.paused) void deliver(subscription, id, topic, body, 0)
      }
      return id
    },
    /** Stops every pending retry. */
    close () {
      closed = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
    }
  }
}

export type Webhooks = ReturnType<typeof createWebhooks>
