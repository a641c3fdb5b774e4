export interface AccessToken {
  value: string
  /** Lifetime in seconds, as Dwolla's expires_in. */
  expiresIn: number
}

export interface TokenManagerOptions {
  fetchToken: () => Promise<AccessToken>
  /** Current time in ms; injectable for tests. */
  now?: () => number
}

/** Refresh this long before expiry, so a token never dies in flight; at most a tenth of its life. */
const REFRESH_MARGIN_MS = 60_000
/** After a failed refresh, fail fast for a while, doubling up to a cap, instead of asking again per request. */
const FIRST_COOLDOWN_MS = 1000
const MAX_COOLDOWN_MS = 30_000

/**
 * Caches the application token, refreshes it shortly before it expires, and lets only
 * one refresh run at a time however many requests are waiting for it.
 */
export function createTokenManager ({ fetchToken, now = Date.now }: TokenManagerOptions) {
  let current: { value: string; refreshAt: number } | undefined
  let pending: Promise<string> | undefined
  let failure: { error: unknown; until: number; cooldownMs: number } | undefined

  function refresh (): Promise<string> {
    pending ??= fetchToken().then(
      (token) => {
        const lifetimeMs = token.expiresIn * 1000
        current = { value: token.value, refreshAt: now() + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 10) }
        failure = undefined
        pending = undefined
        return token.value
      },
      (error: unknown) => {
        const cooldownMs = failure ? Math.min(failure.cooldownMs * 2, MAX_COOLDOWN_MS) : FIRST_COOLDOWN_MS
        failure = { error, until: now() + cooldownMs, cooldownMs }
        pending = undefined
        throw error
      })
    return pending
  }

  /** The cached token while it is valid; undefined when it must be fetched. */
  const cached = () => current && now() < current.refreshAt ? current.value : undefined

  return {
    cached,
    /** A valid token: the cached one, or the result of the one refresh in flight. */
    get (): Promise<string> {
      const token = cached()
      if (token !== undefined) return Promise.resolve(token)
      if (failure && now() < failure.until) return Promise.reject(failure.error)
      return refresh()
    },
    /** Drops a token Dwolla rejected, unless a newer one already replaced it. */
    invalidate (rejected: string) {
      if (current?.value === rejected) current = undefined
    }
  }
}
