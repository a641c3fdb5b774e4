import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { DwollaObserver } from '../dwolla/client.js'
import { KeyedHistogram } from './keyed-histogram.js'

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** The service's Prometheus metrics, in a registry of its own (one per app, so tests stay apart). */
export function createMetrics () {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]

  const httpDuration = new KeyedHistogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests served, by method, route and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: SECONDS_BUCKETS,
    registers
  })
  const dwollaDuration = new KeyedHistogram({
    name: 'dwolla_call_duration_seconds',
    help: 'Duration of calls to Dwolla, by operation and HTTP status.',
    labelNames: ['operation', 'status'] as const,
    buckets: SECONDS_BUCKETS,
    registers
  })
  new Counter({
    name: 'dwolla_calls_total',
    help: 'Calls to Dwolla, by operation and HTTP status ("error" when no answer came).',
    labelNames: ['operation', 'status'] as const,
    registers,
    // The duration histogram counts every call already: read at scrape, not counted twice per call.
    collect () {
      this.reset()
      for (const [labels, count] of dwollaDuration.counts()) this.inc(labels, count)
    }
  })
  const dwollaRetries = new Counter({
    name: 'dwolla_retries_total',
    help: 'Calls to Dwolla sent again after a failure, by operation.',
    labelNames: ['operation'] as const,
    registers
  })
  const tokenRefreshes = new Counter({
    name: 'dwolla_token_refreshes_total',
    help: 'Application tokens obtained from Dwolla.',
    registers
  })

  const webhooksReceived = new Counter({
    name: 'webhooks_received_total',
    help: 'Dwolla webhooks accepted (signature verified), by topic ("other" for topics not handled).',
    labelNames: ['topic'] as const,
    registers
  })
  const webhooksRejected = new Counter({
    name: 'webhooks_rejected_total',
    help: 'Dwolla webhooks refused, by reason: signature (missing or wrong) or invalid (not an event).',
    labelNames: ['reason'] as const,
    registers
  })
  const webhooksDuplicated = new Counter({
    name: 'webhooks_duplicated_total',
    help: 'Dwolla webhooks acknowledged without processing: their event was seen already.',
    registers
  })
  const caughtUp = new Counter({
    name: 'webhook_catch_up_events_total',
    help: "Events fed to the inbox from Dwolla's event log that no webhook had brought.",
    registers
  })
  const catchUpFailures = new Counter({
    name: 'webhook_catch_up_failures_total',
    help: 'Catch-up failures, each retried next round, by reason: dwolla (the event log unread), inbox (an event not accepted), subscriptions (unread), state (the lease or cursor).',
    labelNames: ['reason'] as const,
    registers
  })
  const catchUpMalformed = new Counter({
    name: 'webhook_catch_up_malformed_total',
    help: "Entries of Dwolla's event log skipped because they are not events.",
    registers
  })
  const pausedSubscriptions = new Gauge({
    name: 'dwolla_webhook_subscriptions_paused',
    help: "The account's webhook subscriptions Dwolla has paused, as last read.",
    registers
  })
  const webhooksIgnored = new Counter({
    name: 'webhooks_ignored_total',
    help: 'Dwolla webhooks acknowledged and not acted on, by reason: topic (not handled) or expired (created more than 30 days ago).',
    labelNames: ['reason'] as const,
    registers
  })
  const webhooksDeadLettered = new Counter({
    name: 'webhooks_dead_lettered_total',
    help: 'Dwolla events whose work failed on every try: kept as dead letters (npm run webhooks -- dead-letters).',
    registers
  })
  const liveStreams = new Gauge({
    name: 'live_event_streams_open',
    help: 'Server-Sent Events streams open on this replica.',
    registers
  })

  const liveEventsMalformed = new Counter({
    name: 'live_events_malformed_total',
    help: 'Live-event entries read back from the shared history that were not live events: logged and skipped.',
    registers
  })

  const dwolla: DwollaObserver = {
    call (operation, status, seconds) {
      dwollaDuration.record({ operation, status }, seconds)
    },
    retry (operation) {
      dwollaRetries.inc({ operation })
    },
    tokenRefresh () {
      tokenRefreshes.inc()
    }
  }
  const webhooks = {
    received: webhooksReceived, rejected: webhooksRejected, duplicated: webhooksDuplicated, ignored: webhooksIgnored, deadLettered: webhooksDeadLettered
  }
  return {
    registry,
    httpDuration,
    dwolla,
    webhooks,
    catchUp: { caughtUp, failures: catchUpFailures, malformed: catchUpMalformed, pausedSubscriptions },
    liveStreams,
    liveEventsMalformed
  }
}

export type Metrics = ReturnType<typeof createMetrics>
