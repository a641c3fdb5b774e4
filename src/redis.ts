import { Redis } from 'ioredis'

/**
 * A Redis connection as the service opens every one: connected by the caller at start (a REDIS_URL
 * that cannot be reached stops the start), then failing fast rather than queueing while Redis is away.
 */
export function createRedisConnection (url: string): Redis {
  return new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 })
}
