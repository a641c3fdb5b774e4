import { Redis } from 'ioredis'

/** A command a stalled (paused, not closed) Redis never answers is dropped after this long. */
const COMMAND_TIMEOUT_MS = 1000

/**
 * A Redis connection as the service opens every one: connected by the caller at start (a REDIS_URL
 * that cannot be reached stops the start), then failing fast rather than queueing while Redis is
 * away, and never waiting on a stalled one past the command timeout.
 */
export function createRedisConnection (url: string, connectionName?: string): Redis {
  return new Redis(url, {
    lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: COMMAND_TIMEOUT_MS,
    // What CLIENT LIST shows, so an operator tells the connections apart.
    connectionName
  })
}

/**
 * How a BullMQ worker connects: options, not a connection, so BullMQ opens and re-opens its own (a
 * worker handed a connection of ours did not resume after Redis came back); its blocking reads wait
 * as long as it takes, and its commands are queued through a reconnect (BullMQ retries them itself).
 */
export const workerConnectionOptions = (url: string) => ({ url, maxRetriesPerRequest: null, connectTimeout: 2000 })
