import { randomBytes } from 'node:crypto'

export type TokenStatus = 'valid' | 'expired' | 'unknown'

/** Application access tokens as /token issues them, each with its expiry. */
export function createTokens (ttlSeconds: number) {
  const expiries = new Map<string, number>()
  return {
    issue (): string {
      const token = randomBytes(37).toString('base64url')
      expiries.set(token, Date.now() + ttlSeconds * 1000)
      return token
    },
    status (token: string): TokenStatus {
      const expiry = expiries.get(token)
      if (expiry === undefined) return 'unknown'
      return Date.now() < expiry ? 'valid' : 'expired'
    },
    expireAll () {
      for (const token of expiries.keys()) expiries.set(token, 0)
    },
    count: () => expiries.size
  }
}

export type Tokens = ReturnType<typeof createTokens>
