import type { FastifyBaseLogger } from 'fastify'
import type { DwollaClient, DwollaEvents } from '../dwolla/client.js'
import type { Metrics } from '../metrics/registry.js'
import type { SharedState } from '../shared-state.js'
import type { DwollaEvent } from './schemas.js'

/** The inbox's entry point: resolves once the event is kept (or known already), rejects when it is not. */
export type AcceptEvent = (event: DwollaEvent) => Promise<'accepted' | 'duplicate'>

const LEASE_KEY = 'bff:webhook-catch-up:lease'
/** Dwolla's `created` (epoch ms) of the newest event fed so far. */
const CURSOR_KEY = 'bff:webhook-catch-up:cursor'
/** Dwolla's events can appear up to an hour late: each round reads back this far behind its cursor. */
const OVERLAP_MS = 60 * 60 * 1000
/**
 * With no cursor yet, a round reads back over Dwolla's retry window: what Dwolla may still be retrying.
 * The inbox remembers done ids for 31 days, so what it processed already is a duplicate.
 */
const FIRST_LOOK_BACK_MS = 72 * 60 * 60 * 1000
/** The cursor as kept, if it is a time already past: Redis is not trusted to hold what was written. */
function readCursor (stored: string | undefined): number | undefined {
  const cursor = Number(stored)
  return stored !== undefined && Number.isInteger(cursor) && cursor <= Date.now() ? cursor : undefined
}

/** Dwolla's largest page. */
export const PAGE_SIZE = 200

export interface CatchUpOptions {
  dwolla: Pick<DwollaClient, 'listWebhookSubscriptions'> & Pick<DwollaEvents, 'listEvents'>
  state: SharedState
  accept: AcceptEvent
  /** Seconds between rounds; also the lease's TTL, so rounds (on any replica) are at least this far apart. */
  intervalSeconds: number
  metrics: Metrics['catchUp']
  log: FastifyBaseLogger
}

/**
 * Catch-up from Dwolla's event log (`GET /events`, newest first): what webhooks did not bring (an
 * outage past Dwolla's retries, a paused subscription) is fed to the inbox, which dedupes by event
 * id. One replica at a time reads, under a lease; every replica reports paused subscriptions.
 */
export function createCatchUp ({ dwolla, state, accept, intervalSeconds, metrics, log }: CatchUpOptions) {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let closed = false

  /** The events created at or after `since`, newest first, read page by page until one is older. */
  async function eventsSince (since: number): Promise<DwollaEvent[]> {
    const found: DwollaEvent[] = []
    for (let offset = 0, more = true; more; offset += PAGE_SIZE) {
      const { events, malformed } = await dwolla.listEvents(PAGE_SIZE, offset)
      if (malformed > 0) {
        metrics.malformed.inc(malformed)
        log.warn({ offset, malformed }, "Dwolla's event log listed entries that are not events: skipped")
      }
      for (const event of events) {
        if (Date.parse(event.created) < since) return found
        found.push(event)
      }
      // A short page is the last one.
      more = events.length + malformed === PAGE_SIZE
    }
    return found
  }

  /** Reads back to the cursor (less the overlap) and feeds the inbox, oldest first, moving the cursor over what it took. */
  async function feed () {
    if (!await state.claim(LEASE_KEY, intervalSeconds)) return
    const [stored] = await state.getMany([CURSOR_KEY])
    const cursor = readCursor(stored)
    if (stored !== undefined && cursor === undefined) {
      log.warn('catch-up cursor in the shared state is not a past time: read back as on a first start')
    }
    let events
    try {
      events = await eventsSince(cursor === undefined ? Date.now() - FIRST_LOOK_BACK_MS : cursor - OVERLAP_MS)
    } catch (error) {
      metrics.failures.inc({ reason: 'dwolla' })
      log.warn({ err: error }, "catch-up could not read Dwolla's event log: trying again next round")
      return
    }
    let newest = cursor
    let caughtUp = 0
    for (const event of events.reverse()) {
      try {
        if (await accept(event) === 'accepted') caughtUp++
      } catch (error) {
        metrics.failures.inc({ reason: 'inbox' })
        log.error({ err: error, eventId: event.id, topic: event.topic }, 'catch-up could not feed an event to the inbox: trying again next round')
        break
      }
      const created = Date.parse(event.created)
      if (newest === undefined || created > newest) newest = created
    }
    if (caughtUp > 0) {
      metrics.caughtUp.inc(caughtUp)
      log.info({ caughtUp, read: events.length }, "catch-up fed events from Dwolla's event log that no webhook had brought")
    }
    if (newest !== cursor) await state.set(CURSOR_KEY, String(newest))
  }

  /** The paused subscriptions: a gauge, and an error line naming each. */
  async function checkSubscriptions () {
    let subscriptions
    try {
      subscriptions = await dwolla.listWebhookSubscriptions()
    } catch (error) {
      metrics.failures.inc({ reason: 'subscriptions' })
      log.warn({ err: error }, "catch-up could not read the account's webhook subscriptions: trying again next round")
      return
    }
    const paused = subscriptions.filter((subscription) => subscription.paused)
    metrics.pausedSubscriptions.set(paused.length)
    for (const { id, url } of paused) {
      log.error({ webhookSubscriptionId: id, url }, 'Dwolla paused this webhook subscription and sends it nothing: `npm run webhooks -- resume <id>` unpauses it')
    }
  }

  async function round () {
    await checkSubscriptions()
    try {
      await feed()
    } catch (error) {
      metrics.failures.inc({ reason: 'state' })
      log.error({ err: error }, 'catch-up round failed on the shared state: trying again next round')
    }
  }

  // The next round is timed from the end of this one: a process never runs two at once.
  function tick () {
    running = round().finally(() => {
      if (!closed) timer = setTimeout(tick, intervalSeconds * 1000)
    })
  }

  return {
    /** Runs a round now, then one every interval. */
    start: tick,
    /** Stops the timer and waits for a round in progress. */
    async close () {
      closed = true
      clearTimeout(timer)
      await running
    }
  }
}
