import { EventEmitter } from 'node:events'
import type { IncomingHttpHeaders } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { Problem } from '../problems.js'
import { createRateLimitCircuit, retryAfterSeconds, retryDelayMs } from './resilience.js'

export type Operation =
  | 'token' | 'listExchangePartners' | 'createExchangeSession' | 'retrieveExchangeSession'
  | 'createReAuthExchangeSession' | 'createExchange' | 'retrieveExchange' | 'listAvailableExchangeConnections'
  | 'createFundingSource' | 'retrieveFundingSource' | 'retrieveBalance' | 'listExchanges'
  | 'createWebhookSubscription' | 'listWebhookSubscriptions' | 'removeWebhookSubscription'

/** What the service counts of its Dwolla calls (see src/metrics.ts). */
export interface DwollaObserver {
  call (operation: Operation, status: string, seconds: number): void
  retry (operation: Operation): void
  tokenRefresh (): void
}

export interface DwollaRequest {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  body?: string
  idempotencyKey?: string
}

export interface DwollaResponse {
  status: number
  headers: IncomingHttpHeaders
  /** The parsed JSON body; undefined when empty or not JSON. */
  body: unknown
}

export interface TransportOptions {
  origin: string
  /** Budget for one Dwolla call, all its attempts included. */
  timeoutMs: number
  observer: DwollaObserver
}

const TIMEOUT_ERRORS = new Set(['TimeoutError', 'HeadersTimeoutError', 'BodyTimeoutError', 'ConnectTimeoutError'])

function transportProblem (operation: Operation, error: unknown): Problem {
  const { name, code } = error as { name: string, code?: string }
  // The log line keeps what failed; the caller learns only that it did.
  const cause = { operation, error: String(error), code }
  return TIMEOUT_ERRORS.has(name)
    ? new Problem('UPSTREAM_TIMEOUT', 'Dwolla did not answer in time.', { cause })
    : new Problem('UPSTREAM_ERROR', 'The connection to Dwolla failed.', { cause })
}

/**
 * The abort signal of one attempt, as undici also accepts it: an EventEmitter with `aborted` and
 * `reason`. Its timer is cleared once the answer is read. An AbortSignal (let alone
 * AbortSignal.timeout's, which outlives the call by the whole budget and builds an error as it
 * fires) cost about a twentieth of the service's CPU under load.
 */
class Budget extends EventEmitter {
  aborted = false
  reason: DOMException | undefined
  expire () {
    this.aborted = true
    this.reason = new DOMException('Dwolla did not answer in time.', 'TimeoutError')
    this.emit('abort')
  }
}

/** 5xx may pass; 409 means the original request with this Idempotency-Key is still in progress. */
const worthRetrying = (outcome: DwollaResponse | Problem) => outcome instanceof Problem
  ? outcome.code !== 'UPSTREAM_TIMEOUT'
  : outcome.status >= 500 || outcome.status === 409

const settle = (outcome: DwollaResponse | Problem) => {
  if (outcome instanceof Problem) throw outcome
  return outcome
}

/**
 * HTTP to Dwolla over one undici Pool: a time budget per call, retries with backoff and
 * jitter that resend the same request (and so the same Idempotency-Key), and a circuit
 * that stops calling while Dwolla rate-limits us.
 */
export function createTransport ({ origin, timeoutMs, observer }: TransportOptions) {
  const pool = new Pool(origin, { connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
  const circuit = createRateLimitCircuit()

  async function attempt (operation: Operation, request: DwollaRequest, headers: Record<string, string>, budgetMs: number) {
    const started = performance.now()
    const budget = new Budget()
    const timer = setTimeout(() => budget.expire(), Math.ceil(budgetMs))
    try {
      const response = await pool.request({ method: request.method, path: request.path, headers, body: request.body, signal: budget })
      const text = await response.body.text()
      clearTimeout(timer)
      observer.call(operation, String(response.statusCode), (performance.now() - started) / 1000)
      let body: unknown
      try {
        body = text ? JSON.parse(text) : undefined
      } catch {
        // An HTML error page from a proxy, say: the status decides what it means.
        body = undefined
      }
      return { status: response.statusCode, headers: response.headers, body }
    } catch (error) {
      clearTimeout(timer)
      observer.call(operation, 'error', (performance.now() - started) / 1000)
      return transportProblem(operation, error)
    }
  }

  return {
    async send (operation: Operation, request: DwollaRequest, headers: Record<string, string>): Promise<DwollaResponse> {
      circuit.check()
      const deadline = performance.now() + timeoutMs
      let attempts = 0
      let outcome: DwollaResponse | Problem
      let delay: number | undefined
      do {
        if (delay !== undefined) {
          observer.retry(operation)
          await sleep(delay)
        }
        outcome = await attempt(operation, request, headers, deadline - performance.now())
        attempts++
        if (!(outcome instanceof Problem) && outcome.status === 429) {
          throw circuit.trip(retryAfterSeconds(outcome.headers['retry-after']))
        }
        delay = retryDelayMs({ attempts, retryable: worthRetrying(outcome), remainingMs: deadline - performance.now() })
      } while (delay !== undefined)
      return settle(outcome)
    },
    close: () => pool.close()
  }
}
