import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { DwollaObserver } from './dwolla/transport.js'

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** The service's Prometheus metrics, in a registry of its own (one per app, so tests stay apart). */
export function createMetrics () {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]

  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests served, by method, route and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: SECONDS_BUCKETS,
    registers
  })
  const dwollaCalls = new Counter({
    name: 'dwolla_calls_total',
    help: 'Calls to Dwolla, by operation and HTTP status ("error" when no answer came).',
    labelNames: ['operation', 'status'] as const,
    registers
  })
  const dwollaDuration = new Histogram({
    name: 'dwolla_call_duration_seconds',
    help: 'Duration of calls to Dwolla, by operation and HTTP status.',
    labelNames: ['operation', 'status'] as const,
    buckets: SECONDS_BUCKETS,
    registers
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

  const dwolla: DwollaObserver = {
    call (operation, status, seconds) {
      dwollaCalls.inc({ operation, status })
      dwollaDuration.observe({ operation, status }, seconds)
    },
    retry (operation) {
      dwollaRetries.inc({ operation })
    },
    tokenRefresh () {
      tokenRefreshes.inc()
    }
  }
  return { registry, httpDuration, dwolla }
}

export type Metrics = ReturnType<typeof createMetrics>
