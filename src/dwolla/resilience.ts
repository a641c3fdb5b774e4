import { Problem } from '../problems.js'

/** At most this many attempts of one Dwolla call, all within its time budget. */
const MAX_ATTEMPTS = 3
const BASE_DELAY_MS = 50
/** How long to leave Dwolla alone after a 429 that names no Retry-After; its limits last minutes. */
const DEFAULT_RATE_LIMIT_PAUSE_S = 60

export interface RetryState {
  /** Attempts made so far. */
  attempts: number
  /** Whether the last outcome is worth another attempt. */
  retryable: boolean
  /** What is left of the call's time budget. */
  remainingMs: number
}

/**
 * How long to wait before the next attempt, or undefined to stop: exponential backoff with
 * full jitter (spreading many callers' retries apart), within the attempt and time budgets.
 */
export function retryDelayMs ({ attempts, retryable, remainingMs }: RetryState, random: () => number = Math.random): number | undefined {
  if (!retryable || attempts >= MAX_ATTEMPTS) return undefined
  const delay = random() * BASE_DELAY_MS * 2 ** (attempts - 1)
  return delay < remainingMs ? delay : undefined
}

/** Seconds from a Retry-After header given in seconds, or the default pause. */
export function retryAfterSeconds (header: string | string[] | undefined): number {
  const seconds = Number(header)
  return typeof header === 'string' && Number.isInteger(seconds) && seconds >= 0 ? seconds : DEFAULT_RATE_LIMIT_PAUSE_S
}

/**
 * A circuit that opens when Dwolla rate-limits us: while open, calls fail at once instead
 * of adding to the load that got us limited.
 */
export function createRateLimitCircuit (now: () => number = Date.now) {
  let openUntil = 0
  const problem = () => new Problem('UPSTREAM_UNAVAILABLE', 'Dwolla is limiting requests; try again later.', {
    retryAfter: Math.max(1, Math.ceil((openUntil - now()) / 1000))
  })
  return {
    /** Opens the circuit for Dwolla's Retry-After and answers the problem for the caller. */
    trip (seconds: number): Problem {
      openUntil = Math.max(openUntil, now() + seconds * 1000)
      return problem()
    },
    /** Throws while the circuit is open. */
    check () {
      if (now() < openUntil) throw problem()
    }
  }
}
