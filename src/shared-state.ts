import type { FastifyBaseLogger } from 'fastify'
import { createRedisConnection } from './redis.js'

/**
 * What replicas must agree on: marks, sets and first-claims. In Redis when
 * REDIS_URL is set (every replica sees the same), in this process otherwise. The only module that
 * speaks Redis for them.
 */
export interface SharedState {
  /** Sets the key for ttlSeconds unless it is set already; true when this call set it. */
  claim (key: string, ttlSeconds: number): Promise<boolean>
  set (key: string, value: string): Promise<void>
  getMany (keys: readonly string[]): Promise<Array<string | undefined>>
  delete (key: string): Promise<void>
  addMember (key: string, member: string): Promise<void>
  removeMember (key: string, member: string): Promise<void>
  members (key: string): Promise<string[]>
  close (): Promise<void>
}

/** One process's state: right for a single replica, and for development. */
export function createMemoryState (): SharedState {
  // Claims, in the order made: those of one kind share a TTL, so the oldest of a kind expire first.
  const claims = new Map<string, number>()
  const values = new Map<string, string>()
  const sets = new Map<string, Set<string>>()

  return {
    async claim (key, ttlSeconds) {
      const now = Date.now()
      // Forget the expired claims at the front, so memory holds about one TTL's worth.
      for (const [claimed, expiresAt] of claims) {
        if (expiresAt > now) break
        claims.delete(claimed)
      }
      // A claim of another kind (a short lease behind long-lived event ids) may expire behind the front.
      if ((claims.get(key) ?? 0) > now) return false
      claims.delete(key)
      claims.set(key, now + ttlSeconds * 1000)
      return true
    },
    async set (key, value) {
      values.set(key, value)
    },
    async getMany (keys) {
      return keys.map((key) => values.get(key))
    },
    async delete (key) {
      values.delete(key)
    },
    async addMember (key, member) {
      sets.set(key, (sets.get(key) ?? new Set()).add(member))
    },
    async removeMember (key, member) {
      sets.get(key)?.delete(member)
    },
    async members (key) {
      return [...sets.get(key) ?? []]
    },
    async close () {}
  }
}

/** State in Redis, shared by every replica; connected before it is returned. */
export async function createRedisState (url: string, log: FastifyBaseLogger): Promise<SharedState> {
  const commands = createRedisConnection(url)
  commands.on('error', (error: Error) => log.warn({ err: error }, 'shared-state Redis unavailable'))
  try {
    await commands.connect()
  } catch (error) {
    // It does not keep retrying in the background of a start that failed.
    commands.disconnect()
    throw error
  }

  return {
    async claim (key, ttlSeconds) {
      return await commands.set(key, '1', 'EX', ttlSeconds, 'NX') === 'OK'
    },
    async set (key, value) {
      await commands.set(key, value)
    },
    async getMany (keys) {
      return (await commands.mget(...keys)).map((value) => value ?? undefined)
    },
    async delete (key) {
      await commands.del(key)
    },
    async addMember (key, member) {
      await commands.sadd(key, member)
    },
    async removeMember (key, member) {
      await commands.srem(key, member)
    },
    async members (key) {
      return commands.smembers(key)
    },
    async close () {
      commands.disconnect()
    }
  }
}
