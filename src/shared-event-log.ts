import { EventEmitter } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import { createRedisConnection } from './redis.js'

/**
 * One entry of a customer's history as it was stored. Read back from Redis, so nothing in it is
 * trusted: the reader checks every field.
 */
export interface LoggedEntry {
  /** Where the entry sits in its customer's history: `<ms>-<seq>`, increasing. */
  position: string
  customerId: string | undefined
  id: string | undefined
  /** The event, as appended. */
  payload: string | undefined
}

/**
 * A customer's history after an event id: where that event sits and the entries after it; or, when
 * it is not kept (unknown, or older than what is kept), the newest entry if any.
 */
type History = { resumed: true, at: string, entries: LoggedEntry[] } | { resumed: false, entries: LoggedEntry[] }

/**
 * Each customer's recent events, shared by every replica: an append idempotent per event id, the
 * history after an id for a client that resumes, and every append as it happens for the open
 * streams. In Redis when REDIS_URL is set, in this process otherwise; the only module that speaks
 * Redis for it.
 */
export interface EventLog {
  /** Appends the event to the customer's history unless its id was appended before; rejects when it cannot store. */
  append (customerId: string, id: string, payload: string): Promise<void>
  history (customerId: string, afterId: string): Promise<History>
  /**
   * Calls the follower with every entry appended from now on, by any replica, in order; with
   * undefined where entries may be missing (kept no longer, or lost by Redis while it was away).
   */
  follow (follower: (entry: LoggedEntry | undefined) => void): Promise<void>
  close (): Promise<void>
}

/** Entries kept per customer for clients that resume. */
const KEPT_PER_CUSTOMER = 50
/** In Redis an event id is appended once for this long: longer than Dwolla keeps an event (30 days). */
const APPENDED_ID_TTL_SECONDS = 31 * 24 * 3600

/** Positions compare as Redis stream ids do: milliseconds, then sequence. */
export function positionAfter (position: string, than: string): boolean {
  const [ms = 0, seq = 0] = position.split('-').map(Number)
  const [thanMs = 0, thanSeq = 0] = than.split('-').map(Number)
  return ms > thanMs || (ms === thanMs && seq > thanSeq)
}

/** One process's log: right for a single replica, and for development. */
export function createMemoryEventLog (): EventLog {
  /** Customers whose history is kept; the least recently active are forgotten first. */
  const KEPT_CUSTOMERS = 10_000
  /** Event ids remembered (about 40 MiB at most): the oldest forgotten first. */
  const KEPT_IDS = 200_000
  const histories = new Map<string, LoggedEntry[]>()
  // Appended ids, in the order appended.
  const appended = new Set<string>()
  const appends = new EventEmitter()
  let lastMs = 0
  let seq = 0

  return {
    async append (customerId, id, payload) {
      if (appended.has(id)) return
      appended.add(id)
      if (appended.size > KEPT_IDS) appended.delete(appended.values().next().value as string)
      const now = Date.now()
      seq = now > lastMs ? 0 : seq + 1
      lastMs = Math.max(now, lastMs)
      const entry = { position: `${lastMs}-${seq}`, customerId, id, payload }
      const kept = histories.get(customerId) ?? []
      histories.delete(customerId)
      histories.set(customerId, [...kept, entry].slice(-KEPT_PER_CUSTOMER))
      if (histories.size > KEPT_CUSTOMERS) histories.delete(histories.keys().next().value as string)
      appends.emit('entry', entry)
    },
    async history (customerId, afterId) {
      const kept = histories.get(customerId) ?? []
      const at = kept.findIndex((entry) => entry.id === afterId)
      return at === -1 ? { resumed: false, entries: kept.slice(-1) } : { resumed: true, at: (kept[at] as LoggedEntry).position, entries: kept.slice(at + 1) }
    },
    async follow (follower) {
      appends.on('entry', follower)
    },
    async close () {
      appends.removeAllListeners()
    }
  }
}

const ALL_APPENDS = 'bff:live-events'
const customerKey = (customerId: string) => `bff:live-events:customer:${customerId}`
const appendedKey = (id: string) => `bff:live-events:id:${id}`
/** Appends kept in the stream every replica follows: enough for one that reconnects after a while. */
const KEPT_APPENDS = 10_000
/** A customer's history outlives its last event by this long. */
const HISTORY_TTL_SECONDS = 7 * 24 * 3600
/** Shorter than the connection's command timeout, so a wait for new entries is never taken for a stalled Redis. */
const FOLLOW_BLOCK_MS = 500
/** The follower's connections, as CLIENT LIST names them. */
export const FOLLOWER_NAME = 'bff-live-events-follower'
/** A follower that lost Redis tries again this often. */
const FOLLOW_RETRY_MS = 200

// One atomic step: the id claimed, the customer's history and the stream every replica follows
// appended, or nothing at all. The id's marker holds the position, so a resume finds it.
const APPEND = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local position = redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[4], '*', 'id', ARGV[2], 'payload', ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[6])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'customer', ARGV[1], 'position', position, 'id', ARGV[2], 'payload', ARGV[3])
redis.call('SET', KEYS[1], position, 'EX', ARGV[7])
return 1
`

type StreamEntry = [id: string, fields: string[]]

function fieldsOf (fields: string[]): Map<string, string> {
  const named = new Map<string, string>()
  for (let index = 0; index + 1 < fields.length; index += 2) named.set(fields[index] as string, fields[index + 1] as string)
  return named
}

const historyEntry = (customerId: string) => ([position, fields]: StreamEntry): LoggedEntry => {
  const named = fieldsOf(fields)
  return { position, customerId, id: named.get('id'), payload: named.get('payload') }
}

/** The log in Redis, shared by every replica; connected before it is returned. */
export async function createRedisEventLog (url: string, log: FastifyBaseLogger): Promise<EventLog> {
  const unavailable = (error: Error) => log.warn({ err: error }, 'live-event log Redis unavailable')
  const commands = createRedisConnection(url, 'bff-live-events').on('error', unavailable)
  // A follower waits for new entries on a connection of its own, so nothing else waits behind it.
  let follower = createRedisConnection(url, FOLLOWER_NAME).on('error', unavailable)
  let lost = false
  try {
    await Promise.all([commands.connect(), follower.connect()])
  } catch (error) {
    commands.disconnect()
    follower.disconnect()
    throw error
  }
  commands.defineCommand('appendLiveEvent', { numberOfKeys: 3, lua: APPEND })
  let closed = false

  return {
    async append (customerId, id, payload) {
      await (commands as unknown as { appendLiveEvent: (...args: Array<string | number>) => Promise<number> }).appendLiveEvent(
        appendedKey(id), customerKey(customerId), ALL_APPENDS,
        customerId, id, payload, KEPT_PER_CUSTOMER, KEPT_APPENDS, HISTORY_TTL_SECONDS, APPENDED_ID_TTL_SECONDS)
    },
    async history (customerId, afterId) {
      const key = customerKey(customerId)
      const position = await commands.get(appendedKey(afterId))
      const entries = position === null ? [] : await commands.xrange(key, position, '+', 'COUNT', KEPT_PER_CUSTOMER + 1) as StreamEntry[]
      const [first] = entries
      // The id is kept only when its own entry is still the customer's (not trimmed, not another customer's).
      if (first?.[0] === position && fieldsOf(first[1]).get('id') === afterId) {
        return { resumed: true, at: position, entries: entries.slice(1).map(historyEntry(customerId)) }
      }
      return { resumed: false, entries: (await commands.xrevrange(key, '+', '-', 'COUNT', 1) as StreamEntry[]).map(historyEntry(customerId)) }
    },
    async follow (onEntry) {
      // From the newest entry now; after a lost connection, from the last one seen, so nothing is missed.
      let last = (await follower.xrevrange(ALL_APPENDS, '+', '-', 'COUNT', 1) as StreamEntry[])[0]?.[0] ?? '0-0'
      void (async () => {
        for (;;) {
          let reply
          let gap = false
          try {
            reply = await follower.xread('COUNT', 1000, 'BLOCK', FOLLOW_BLOCK_MS, 'STREAMS', ALL_APPENDS, last) as Array<[string, StreamEntry[]]> | null
            // Back after a loss: when the last entry seen is gone, what came after it may be gone too.
            if (lost) gap = positionAfter((await follower.xrange(ALL_APPENDS, '-', '+', 'COUNT', 1) as StreamEntry[])[0]?.[0] ?? last, last)
          } catch (error) {
            if (closed) return
            if (!lost) log.warn({ err: error }, 'live-event log: following stopped; resuming from the last entry seen once Redis answers')
            lost = true
            // A fresh connection: on a stalled one, each wait would queue behind the last once Redis answers.
            follower.disconnect()
            await sleep(FOLLOW_RETRY_MS)
            if (closed) return
            follower = createRedisConnection(url, FOLLOWER_NAME).on('error', unavailable)
            await follower.connect().catch(() => {})
            continue
          }
          if (lost) log.info({ gap }, 'live-event log: following again')
          lost = false
          if (gap) onEntry(undefined)
          // One stream read: null when nothing came within the block.
          const entries = reply === null ? [] : (reply[0] as [string, StreamEntry[]])[1]
          for (const [position, fields] of entries) {
            last = position
            const named = fieldsOf(fields)
            onEntry({ position: named.get('position') ?? '', customerId: named.get('customer'), id: named.get('id'), payload: named.get('payload') })
          }
        }
      })()
    },
    async close () {
      closed = true
      commands.disconnect()
      follower.disconnect()
    }
  }
}
