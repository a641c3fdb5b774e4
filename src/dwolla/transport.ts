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
  | 'listEvents' | 'updateWebhookSubscription'

/** What the service counts of its Dwolla calls (see src/metrics/registry.ts). */
export interface DwollaObserver {
  /** `status`: Dwolla's HTTP status, or 'error' when no answer came. */
  call (operation: Operation, status: number | 'error', seconds: number): void
  retry (operation: Operation): void
  tokenRefresh (): void
}

export interface DwollaRequest {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  body?: string
}

export interface DwollaResponse {
  status: number
  /** The headers the service reads. */
  headers: Pick<IncomingHttpHeaders, 'location' | 'retry-after'>
  /** The parsed JSON body; undefined when empty or not JSON. */
  body: unknown
}

export interface TransportOptions {
  origin: string
  /** Budget for one Dwolla call, all its attempts included. */
  timeoutMs: number
  observer: DwollaObserver
  /** Connections to Dwolla at most; calls beyond them wait for one (within their budget). */
  connections?: number
}

/**
 * At most this many connections to Dwolla, each kept alive as long as Dwolla's Keep-Alive allows,
 * one request at a time (no pipelining: a slow answer must not hold up the ones behind it).
 * bench/baseline.ts configures its Pool the same way.
 */
const DWOLLA_CONNECTIONS = 64

const TIMEOUT_ERRORS = new Set(['TimeoutError', 'HeadersTimeoutError', 'BodyTimeoutError', 'ConnectTimeoutError'])

function transportProblem (operation: Operation, error: unknown): Problem {
  const { name, code } = error as { name: string, code?: string }
  // The log line keeps what failed; the caller learns only that it did.
  const cause = { operation, error: String(error), code }
  return TIMEOUT_ERRORS.has(name)
    ? new Problem('UPSTREAM_TIMEOUT', 'Dwolla did not answer in time.', { cause })
    : new Problem('UPSTREAM_ERROR', 'The connection to Dwolla failed.', { cause })
}

const timeoutError = () => new DOMException('Dwolla did not answer in time.', 'TimeoutError')

/** The answer of one attempt, before its body is parsed. */
interface Answer {
  status: number
  headers: DwollaResponse['headers']
  text: string
}

/**
 * One attempt as an undici dispatch handler (its onConnect ... onError interface): it keeps the
 * status, the two headers the service reads and the body, and settles once. No Readable body,
 * AbortSignal or EventEmitter and no AsyncResource per attempt, as pool.request has: those cost
 * measurably on every request. The time budget aborts through undici's own abort callback; if it ends
 * before undici has handed that over, the attempt settles at once and aborts as it connects.
 */
class Attempt {
  #status = 0
  #headers: DwollaResponse['headers'] = {}
  #chunks: Buffer[] = []
  #abort: ((reason: Error) => void) | undefined
  #settled = false
  readonly #timer: NodeJS.Timeout
  readonly #settle: (outcome: Answer | Error) => void

  constructor (budgetMs: number, settle: (outcome: Answer | Error) => void) {
    this.#settle = settle
    this.#timer = setTimeout(() => this.#expire(), Math.ceil(budgetMs))
  }

  #expire () {
    const reason = timeoutError()
    this.#abort?.(reason)
    this.#finish(reason)
  }

  #finish (outcome: Answer | Error) {
    if (this.#settled) return
    this.#settled = true
    clearTimeout(this.#timer)
    this.#settle(outcome)
  }

  onConnect (abort: (reason: Error) => void) {
    if (this.#settled) abort(timeoutError())
    else this.#abort = abort
  }

  onHeaders (status: number, rawHeaders: Buffer[]) {
    this.#status = status
    for (let i = 0; i < rawHeaders.length; i += 2) {
      // Only a name of a wanted length is decoded: most of an answer's headers are skipped unread.
      const raw = rawHeaders[i] as Buffer
      const name = raw.length === 8 || raw.length === 11 ? raw.toString('latin1').toLowerCase() : ''
      if (name === 'location' || name === 'retry-after') this.#headers[name] = String(rawHeaders[i + 1])
    }
    return true
  }

  onData (chunk: Buffer) {
    this.#chunks.push(chunk)
    return true
  }

  onComplete () {
    const chunks = this.#chunks
    const text = chunks.length === 1 ? String(chunks[0]) : Buffer.concat(chunks).toString()
    this.#finish({ status: this.#status, headers: this.#headers, text })
  }

  onError (error: Error) {
    this.#finish(error)
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
export function createTransport ({ origin, timeoutMs, observer, connections = DWOLLA_CONNECTIONS }: TransportOptions) {
  const pool = new Pool(origin, { connections, pipelining: 1, connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
  const circuit = createRateLimitCircuit()

  /** What one attempt came to: Dwolla's answer with its body parsed, or the problem of no answer. */
  function outcomeOf (operation: Operation, answer: Answer | Error, started: number): DwollaResponse | Problem {
    const seconds = (performance.now() - started) / 1000
    if (answer instanceof Error) {
      observer.call(operation, 'error', seconds)
      return transportProblem(operation, answer)
    }
    observer.call(operation, answer.status, seconds)
    let body: unknown
    try {
      body = answer.text ? JSON.parse(answer.text) : undefined
    } catch {
      // An HTML error page from a proxy, say: the status decides what it means.
      body = undefined
    }
    return { status: answer.status, headers: answer.headers, body }
  }

  // Settled from the dispatch handler itself: no async frame of its own per attempt.
  const attempt = (operation: Operation, request: DwollaRequest, headers: Record<string, string>, budgetMs: number) =>
    new Promise<DwollaResponse | Problem>((resolve) => {
      const started = performance.now()
      pool.dispatch(
        { method: request.method, path: request.path, headers, body: request.body },
        new Attempt(budgetMs, (answer) => resolve(outcomeOf(operation, answer, started)))
      )
    })

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
