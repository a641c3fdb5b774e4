import { createHmac, randomUUID } from 'node:crypto'
import { request } from 'undici'

export interface WebhookSubscription {
  id: string
  url: string
  secret: string
  /** Set after pauseAfterFailures consecutive failed deliveries, or by the account; nothing is sent while paused. */
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

/** An event as Dwolla keeps it in its log and sends it to subscribers. */
export interface DwollaEvent {
  _links: Record<'self' | 'account' | 'resource' | 'customer', { href: string }>
  id: string
  resourceId: string
  topic: string
  timestamp: string
  created: string
}

/** Dwolla pauses a subscription after 400 consecutive failures (and a day without success, which the simulator does not wait for). */
export const PAUSE_AFTER_FAILURES = 400
/** Dwolla counts an attempt as failed after 10 s without an answer. */
const ATTEMPT_TIMEOUT_MS = 10_000

export interface WebhooksOptions {
  /** Waits before each retry, relative to the previous attempt. */
  retryScheduleMs: readonly number[]
  /** How many subscriptions an account may have at once. */
  maxSubscriptions: number
  /** Consecutive failed deliveries after which a subscription is paused. */
  pauseAfterFailures: number
}

/** The HMAC Dwolla sends in X-Request-Signature-SHA-256: hex SHA-256 of the raw body keyed by the subscription's secret. */
const webhookSignature = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex')

/**
 * Webhook subscriptions and the events sent to them as Dwolla sends them: a signed POST per
 * subscription, retried on failure on the configured schedule, paused after too many failures.
 */
export function createWebhooks ({ retryScheduleMs, maxSubscriptions, pauseAfterFailures }: WebhooksOptions) {
  const subscriptions = new Map<string, WebhookSubscription>()
  // Every event created, delivered or not, oldest first: Dwolla's GET /events lists them newest first.
  const events: DwollaEvent[] = []
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
    if (++subscription.consecutiveFailures >= pauseAfterFailures) subscription.paused = true
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
    events: events as readonly DwollaEvent[],
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
      const event: DwollaEvent = {
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
      }
      events.push(event)
      const body = JSON.stringify(event)
      for (const subscription of subscriptions.values()) {
        if (!subscription.paused) void deliver(subscription, id, topic, body, 0)
      }
      return id
    },
    /** Pauses or unpauses a subscription as the account asks; unpaused, it starts counting failures afresh. */
    setPaused (subscription: WebhookSubscription, paused: boolean) {
      subscription.paused = paused
      if (!paused) subscription.consecutiveFailures = 0
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
