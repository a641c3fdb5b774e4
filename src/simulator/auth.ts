import type { FastifyRequest } from 'fastify'
import { expiredAccessToken, invalidAccessToken, invalidCredentials, invalidVersion } from './errors.js'
import type { Tokens } from './tokens.js'

const HAL_ACCEPT = /(?:^|,)\s*application\/vnd\.dwolla\.v1\.hal\+json\s*(?:;[^,]*)?(?:,|$)/i

/** Dwolla answers 406 unless Accept names its versioned media type. */
export async function requireHalAccept (request: FastifyRequest) {
  if (!HAL_ACCEPT.test(request.headers.accept ?? '')) throw invalidVersion()
}

/** Requires a live bearer token from /token, and reports each request it lets through. */
export function requireBearer (tokens: Tokens, authorized: (request: FastifyRequest) => void) {
  return async (request: FastifyRequest) => {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
    if (token === undefined) throw invalidCredentials()
    const status = tokens.status(token)
    if (status === 'unknown') throw invalidAccessToken()
    if (status === 'expired') throw expiredAccessToken()
    authorized(request)
  }
}
