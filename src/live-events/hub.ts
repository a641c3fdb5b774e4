import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { FastifyBaseLogger } from 'fastify'
import type { Counter } from 'prom-client'
import { positionAfter, type EventLog, type LoggedEntry } from '../shared-event-log.js'

/** Visible ASCII only: an id is written on a line of its own and must not be able to end it. */
const EVENT_ID_PATTERN = '^[!-~]{1,128}$'

const LiveEventSchema = Type.Object({
  /** The Dwolla event's id: the same on every replica, so a reconnecting client resumes after it. */
  id: Type.String({ pattern: EVENT_ID_PATTERN }),
  type: Type.Union([
    Type.Literal('bank-link.reauth-required'),
    Type.Literal('funding-source.added'), Type.Literal('funding-source.verified'),
    Type.Literal('funding-source.unverified'), Type.Literal('funding-source.removed')
  ]),
  data: Type.Union([
    Type.Object({ exchangeId: Type.String({ maxLength: 128 }) }, { additionalProperties: false }),
    Type.Object({ fundingSourceId: Type.String({ maxLength: 128 }) }, { additionalProperties: false })
  ]),
  /** When Dwolla created the event. */
  occurredAt: Type.String({ maxLength: 64 })
}, { additionalProperties: false })

/** What the app hears of its customer's bank links, as they happen. */
export type LiveEvent = Static<typeof LiveEventSchema>
export type LiveEventType = LiveEvent['type']

const liveEvent = TypeCompiler.Compile(LiveEventSchema)
const POSITION = /^\d+-\d+$/

interface Positioned { position: string, event: LiveEvent }

/** What a stream is told: each event, or that what it missed is no longer kept. */
export interface LiveEventListener {
  event (event: LiveEvent): void
  /** The id the client resumed from is unknown or older than what is kept: re-read the bank links. */
  resync (newestId: string | undefined): void
}

export interface LiveEventsOptions {
  log: FastifyBaseLogger
  /** Counts the entries read back that are not live events: logged and skipped, never delivered. */
  malformed: Counter
}

/**
 * Live events by customer: published by whichever replica processed the webhook into the history
 * every replica shares, and delivered from it to the streams every replica holds; a stream that
 * resumes on any replica first hears what it missed.
 */
export async function createLiveEvents (eventLog: EventLog, { log, malformed }: LiveEventsOptions) {
  // Each hears its customer's events, and undefined where some may be missing.
  const listeners = new Map<string, Set<(positioned: Positioned | undefined) => void>>()

  // Nothing read back is trusted: whatever is not a live event at a position is counted and skipped.
  const read = (entry: LoggedEntry): Positioned | undefined => {
    let event: unknown
    try {
      event = JSON.parse(entry.payload as string)
    } catch {
      event = undefined
    }
    if (POSITION.test(entry.position) && liveEvent.Check(event)) return { position: entry.position, event }
    malformed.inc()
    log.warn({ position: entry.position.slice(0, 64) }, 'live-event log entry is malformed: skipped')
    return undefined
  }

  await eventLog.follow((entry) => {
    if (entry === undefined) {
      for (const customerListeners of listeners.values()) for (const listener of customerListeners) listener(undefined)
      return
    }
    const customerListeners = listeners.get(entry.customerId as string)
    if (customerListeners === undefined) return
    const positioned = read(entry)
    if (positioned) for (const listener of customerListeners) listener(positioned)
  })

  return {
    /** Stores the event in the customer's history and delivers it, once per event id; rejects when it cannot store. */
    async publish (customerId: string, event: LiveEvent): Promise<void> {
      if (!liveEvent.Check(event)) throw new TypeError(`not a live event: ${liveEvent.Errors(event).First()?.path}`)
      await eventLog.append(customerId, event.id, JSON.stringify(event))
    },
    /**
     * Tells the listener the customer's events: those after lastEventId first (or a resync when it
     * is not kept), then each new one, in order and each once. Answers how to stop listening.
     */
    async listen (customerId: string, lastEventId: string | undefined, listener: LiveEventListener) {
      // Events that arrive while the history is read wait, then go out unless the history had them.
      const early: Array<Positioned | undefined> = []
      let forward = (positioned: Positioned | undefined) => { early.push(positioned) }
      const customerListeners = listeners.get(customerId) ?? new Set()
      const hear = (positioned: Positioned | undefined) => forward(positioned)
      listeners.set(customerId, customerListeners.add(hear))
      const stop = () => {
        customerListeners.delete(hear)
        if (customerListeners.size === 0) listeners.delete(customerId)
      }
      let after = '0-0'
      if (lastEventId !== undefined) {
        let history
        try {
          history = await eventLog.history(customerId, lastEventId)
        } catch (error) {
          // Unread is unknown: the app re-reads the bank links rather than trusting it missed nothing.
          log.warn({ err: error }, 'live-event history unavailable: the stream resumes with a resync')
          history = { resumed: false as const, entries: [] }
        }
        const kept = history.entries.map(read).filter((positioned) => positioned !== undefined)
        if (history.resumed) {
          after = history.at
          for (const { event } of kept) listener.event(event)
        } else {
          listener.resync(kept[0]?.event.id)
        }
        after = history.entries.at(-1)?.position ?? after
      }
      // Each event goes out once, in order: the log's follower may still bring one the history had.
      forward = (positioned) => {
        if (positioned === undefined) return listener.resync(undefined)
        if (!positionAfter(positioned.position, after)) return
        after = positioned.position
        listener.event(positioned.event)
      }
      for (const positioned of early) forward(positioned)
      return stop
    }
  }
}

export type LiveEvents = Awaited<ReturnType<typeof createLiveEvents>>
