import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { RateLimitConfig } from '../config/shape.js'
import { Problem } from '../problems.js'
import { createRedisConnection } from '../redis.js'
import { withinDeadline } from '../deadline.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts the request against its caller (the token subject, else the client IP); throws RATE_LIMITED. */
    limitCaller: (request: FastifyRequest) => Promise<void>
    /** Counts a webhook delivery against its client IP, before its signature is checked; throws RATE_LIMITED. */
    limitWebhookSender: (request: FastifyRequest) => Promise<void>
  }
}

// A paused Redis answers nothing: the request stops waiting at the deadline, and the client drops
// the command at its timeout, so commands cannot pile up in it.
const COUNT_DEADLINE_MS = 500

/**
 * Per-caller request limit, in memory or shared by every replica through Redis. While Redis fails
 * or stalls, requests are served unlimited (fail-open): one warning when an outage starts, one info
 * line when it ends.
 */
export const callerRateLimit = fp(async (app: FastifyInstance, { max, window, redisUrl, webhookMaxPerMinute }: RateLimitConfig & { redisUrl: string | undefined }) => {
  // Once connected, fail fast rather than queue while Redis is away.
  const redis = redisUrl === undefined ? undefined : createRedisConnection(redisUrl)
  let outage = false
  const failed = (error: unknown) => {
    if (outage) return
    outage = true
    app.log.warn({ err: error }, 'rate-limit Redis unavailable: requests are not limited until it recovers')
  }
  const recovered = () => {
    if (!outage) return
    outage = false
    app.log.info('rate-limit Redis recovered: requests are limited again')
  }
  if (redis) {
    redis.on('error', failed)
    redis.on('ready', recovered)
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
    keyGenerator: (request) => request.caller ? `caller:${request.caller.subject}` : `ip:${request.ip}`
  })
  const limiter = (count: ReturnType<typeof app.createRateLimit>, limit: string) => async (request: FastifyRequest) => {
    let outcome
    try {
      outcome = await (redis ? withinDeadline(count(request), COUNT_DEADLINE_MS) : count(request))
    } catch (error) {
      failed(error)
      return
    }
    recovered()
    if ('isExceeded' in outcome && outcome.isExceeded) {
      throw new Problem('RATE_LIMITED', `More than ${limit}; try again later.`, { retryAfter: outcome.ttlInSeconds })
    }
  }
  app.decorate('limitCaller', limiter(app.createRateLimit(), `${max} requests in ${window}`))
  app.decorate('limitWebhookSender', limiter(app.createRateLimit({
    max: webhookMaxPerMinute, timeWindow: '1 minute', keyGenerator: (request) => `webhook-ip:${request.ip}`
  }), `${webhookMaxPerMinute} webhooks a minute from this address`))
}, { name: 'caller-rate-limit' })
