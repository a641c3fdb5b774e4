import type { FastifyReply, FastifyRequest } from 'fastify'
import { stillProcessing } from './errors.js'

const keyOf = (request: FastifyRequest) =>
  request.method === 'POST' ? request.headers['idempotency-key'] as string | undefined : undefined

/**
 * Dwolla's Idempotency-Key, read as strictly as its page allows: keys are the account's, matched
 * by the key alone, so any POST repeating a key (whatever its path and body) answers the first
 * 201 and Location without creating anything; while the first is still in flight, 409.
 */
export function createIdempotencyStore () {
  const inFlight = new Map<string, string>()
  const created = new Map<string, string>()

  return {
    /** On arrival, before any delay: the first request with a key owns it until it is answered. */
    async claim (request: FastifyRequest, reply: FastifyReply) {
      const key = keyOf(request)
      if (key === undefined || inFlight.has(key)) return
      inFlight.set(key, request.id)
      reply.raw.once('close', () => inFlight.delete(key))
    },
    /** Once authenticated and parsed: a conflict, a replay, or a fresh request to remember. */
    async replay (request: FastifyRequest, reply: FastifyReply) {
      const key = keyOf(request)
      if (key === undefined) return
      if (inFlight.get(key) !== request.id) throw stillProcessing()
      const location = created.get(key)
      if (location !== undefined) return reply.code(201).header('location', location).send()
    },
    async remember (request: FastifyRequest, reply: FastifyReply) {
      const key = keyOf(request)
      if (key !== undefined && reply.statusCode === 201) created.set(key, reply.getHeader('location') as string)
    }
  }
}
