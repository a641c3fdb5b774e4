import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { RateLimitConfig } from '../config.js'
import { Problem } from '../problems.js'
import { createRedisConnection } from '../redis.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts the request against its caller (the token subject, else the client IP); throws RATE_LIMITED. */
    limitCaller: (request: FastifyRequest) => Promise<void>
  }
}

/** Per-caller request limit, in memory or shared by every replica through Redis. */
export const callerRateLimit = fp(async (app: FastifyInstance, { max, window, redisUrl }: RateLimitConfig) => {
  // Once connected, fail fast rather than queue while Redis is away: the limit is skipped, requests served.
  const redis = redisUrl === undefined ? undefined : createRedisConnection(redisUrl)
  if (redis) {
    redis.on('error', (error: Error) => app.log.warn({ err: error }, 'rate-limit Redis unavailable: requests are not limited'))
    app.addHook('onClose', async () => { redis.disconnect() })
    // A REDIS_URL that cannot be reached stops the start, like any bad configuration.
    await redis.connect()
  }
  await app.register(rateLimit, {
    global: false,
    max,
    timeWindow: window,
    redis,
    nameSpace: 'bff-rate-limit:',
    skipOnError: true,
    keyGenerator: (request) => request.caller ? `caller:${request.caller.subject}` : `ip:${request.ip}`
  })
  const count = app.createRateLimit()
  app.decorate('limitCaller', async (request: FastifyRequest) => {
    const outcome = await count(request)
    if ('isExceeded' in outcome && outcome.isExceeded) {
      throw new Problem('RATE_LIMITED', `More than ${max} requests in ${window}; try again later.`, { retryAfter: outcome.ttlInSeconds })
    }
  })
}, { name: 'caller-rate-limit' })
