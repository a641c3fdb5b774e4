import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { request } from 'undici'
import type { JwksTiming } from '../config/shape.js'
import { Problem } from '../problems.js'

/** A JWKS body larger than this is refused unread: real key sets are a few KiB. */
const MAX_JWKS_BYTES = 64 * 1024

interface KeySet {
  /** PEM public key by kid. */
  keys: Map<string, string>
  /** When the endpoint last answered with this set. */
  fetchedAt: number
}

/** Why a fetch failed, for the log; never the body. */
class JwksFetchError extends Error {
  override name = 'JwksFetchError'
}

/** The signing keys of a JWKS document, as PEM by kid; fast-jwt refuses a key of another type for our algorithms. */
function parseKeySet (body: string): Map<string, string> {
  const document = JSON.parse(body) as { keys?: unknown }
  if (!Array.isArray(document.keys)) throw new JwksFetchError('the body has no keys array')
  const keys = new Map<string, string>()
  for (const jwk of document.keys as Array<JsonWebKey & { kid?: unknown, use?: unknown }>) {
    // A key for encryption never verifies a signature; one without a kid cannot be named.
    if (typeof jwk.kid !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig')) continue
    try {
      keys.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString())
    } catch {
      // A malformed entry is skipped: a token naming it is refused as naming an unknown kid.
    }
  }
  return keys
}

/** GETs the key set with a deadline on the whole exchange and a cap on the body. */
async function download (url: string, { timeoutMs }: JwksTiming): Promise<Map<string, string>> {
  const deadline = new AbortController()
  const timer = setTimeout(() => deadline.abort(new JwksFetchError(`no answer within ${timeoutMs} ms`)), timeoutMs)
  try {
    const { statusCode, body } = await request(url, { signal: deadline.signal, headers: { accept: 'application/json' } })
    if (statusCode !== 200) {
      await body.dump()
      throw new JwksFetchError(`the endpoint answered ${statusCode}`)
    }
    const chunks: Buffer[] = []
    let size = 0
    // Leaving the loop early destroys the body: nothing more is read.
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > MAX_JWKS_BYTES) throw new JwksFetchError(`the body exceeds ${MAX_JWKS_BYTES} bytes`)
      chunks.push(chunk)
    }
    return parseKeySet(Buffer.concat(chunks).toString('utf8'))
  } finally {
    clearTimeout(timer)
  }
}

export interface JwksKeySource {
  /** The PEM key a token's header names; fetches the set when due. Throws UNAUTHENTICATED or UPSTREAM_UNAVAILABLE. */
  keyFor: (header: { alg?: unknown, kid?: unknown }) => Promise<string>
}

/**
 * The caller keys an identity provider publishes. The set is replaced whole by every successful
 * fetch, so a key it no longer lists is refused at once. Fetches are single-flight and at most one
 * per `refetchMs` whatever the tokens name; the last set serves while the endpoint fails, for at
 * most `staleMs` after its last success.
 */
export function createJwksKeySource (url: string, algorithms: readonly string[], timing: JwksTiming,
  onFetchFailed: (error: unknown) => void): JwksKeySource {
  let set: KeySet | undefined
  let attemptedAt = -Infinity
  let failing = false
  let inflight: Promise<void> | undefined

  const fetchSet = () => {
    attemptedAt = Date.now()
    inflight = download(url, timing).then((keys) => {
      set = { keys, fetchedAt: Date.now() }
      failing = false
    }, (error: unknown) => {
      failing = true
      onFetchFailed(error)
    }).finally(() => { inflight = undefined })
    return inflight
  }

  const unavailable = () => new Problem('UPSTREAM_UNAVAILABLE', 'The caller key set (JWT_JWKS_URL) cannot be fetched right now.', {
    retryAfter: Math.max(1, Math.ceil((attemptedAt + timing.refetchMs - Date.now()) / 1000))
  })

  return {
    async keyFor ({ alg, kid }) {
      // Refused before any fetch: nothing a token says can make the service fetch for an algorithm it never accepts.
      if (!algorithms.includes(alg as string)) throw new Problem('UNAUTHENTICATED', `The token's algorithm must be one of ${algorithms.join(', ')}.`)
      if (typeof kid !== 'string') throw new Problem('UNAUTHENTICATED', 'The token names no key (kid).')
      const now = Date.now()
      const due = set === undefined || now - set.fetchedAt >= timing.refreshMs || !set.keys.has(kid)
      if (due) await (inflight ?? (now - attemptedAt >= timing.refetchMs ? fetchSet() : undefined))
      if (set === undefined || (failing && Date.now() - set.fetchedAt > timing.staleMs)) throw unavailable()
      const key = set.keys.get(kid)
      if (key !== undefined) return key
      // While the endpoint fails, a kid we do not know may be a new key we could not fetch.
      if (failing) throw unavailable()
      throw new Problem('UNAUTHENTICATED', "The key set does not list the token's key (kid).")
    }
  }
}
