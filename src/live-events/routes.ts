import { PassThrough } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Metrics } from '../metrics/registry.js'
import { API_PROBLEMS, Problem, problemResponses } from '../problems.js'
import type { LiveEvent, LiveEvents } from './hub.js'
import { EventStream, EventsHeaders, EventsParams } from './schemas.js'

export interface LiveEventRoutesOptions {
  liveEvents: LiveEvents
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatSeconds: number
  /** Streams one caller may hold open on this replica. */
  maxStreamsPerCaller: number
  /** Streams this replica holds at most: the rest of its connections stay for the API and probes. */
  maxStreams: number
  liveStreams: Metrics['liveStreams']
}

/** The browser waits this long before reconnecting a dropped stream. */
const RETRY_MS = 2000
/** At shutdown apps reconnect (to another replica) within this, spread so they do not all arrive at once. */
const SHUTDOWN_RETRY_MS = 1000
/** Unsent data past this closes the stream: a client that does not read costs no more memory than this. */
const MAX_UNSENT_BYTES = 64 * 1024
/** A replica at its cap asks the app to wait this long (another replica may have room at once). */
const FULL_RETRY_AFTER_SECONDS = 5
/** The longest a timer waits; a token that lives longer ends its stream early, and the app reconnects. */
const MAX_TIMER_MS = 2 ** 31 - 1

// Every field is one line: ids are visible ASCII (checked by the hub), data is JSON (which escapes line breaks).
const message = ({ id, type, data, occurredAt }: LiveEvent) =>
  `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify({ ...data, occurredAt })}\n\n`
// An empty id makes the browser forget the one it had: there is nothing kept to resume after.
const resync = (newestId: string | undefined) => `id: ${newestId ?? ''}\nevent: resync\ndata: {}\n\n`

/** GET /v1/customers/:customerId/events: the customer's live events as Server-Sent Events. */
export const liveEventRoutes: FastifyPluginAsyncTypebox<LiveEventRoutesOptions> = async (app, options) => {
  const { liveEvents, heartbeatSeconds, maxStreamsPerCaller, maxStreams, liveStreams } = options
  const streamsByCaller = new Map<string, number>()
  const open = new Set<PassThrough>()
  // Streams never finish by themselves: end them with a short reconnection delay, so closing does
  // not wait for the grace period and apps resume on another replica from the shared history.
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end(`retry: ${Math.floor(Math.random() * SHUTDOWN_RETRY_MS)}\n\n`)
  })

  app.get('/v1/customers/:customerId/events', {
    schema: {
      operationId: 'streamCustomerEvents',
      tags: ['events'],
      summary: "The customer's bank-link events as they happen (Server-Sent Events)",
      description: "Open it with the browser's EventSource (cookie mode) or a fetch-based reader (bearer token). Events: " +
        '`bank-link.reauth-required`, `funding-source.added`, `funding-source.verified`, `funding-source.unverified`, `funding-source.removed`, ' +
        'and `resync` when the `Last-Event-ID` resumed from is no longer kept (re-read the bank links). ' +
        `A heartbeat comment every ${heartbeatSeconds} s; at most ${maxStreamsPerCaller} streams per caller and ${maxStreams} in all on each replica. ` +
        "The stream ends when the caller's token expires, when the client falls too far behind reading it, and at shutdown: " +
        'reconnect (with a fresh token) and resume with `Last-Event-ID`.',
      params: EventsParams,
      headers: EventsHeaders,
      produces: ['text/event-stream'],
      response: {
        200: { description: 'An open stream of events.', content: { 'text/event-stream': { schema: EventStream } } },
        ...problemResponses([...API_PROBLEMS, 'TOO_MANY_STREAMS', 'STREAMS_AT_CAPACITY'])
      }
    }
  }, async (request, reply) => {
    if (open.size >= maxStreams) {
      throw new Problem('STREAMS_AT_CAPACITY', 'This replica holds as many event streams as it may; try again shortly.', { retryAfter: FULL_RETRY_AFTER_SECONDS })
    }
    const caller = request.caller?.subject ?? `ip:${request.ip}`
    const streams = streamsByCaller.get(caller) ?? 0
    if (streams >= maxStreamsPerCaller) {
      throw new Problem('TOO_MANY_STREAMS', `At most ${maxStreamsPerCaller} event streams per caller; close one first.`)
    }
    streamsByCaller.set(caller, streams + 1)
    liveStreams.inc()
    const stream = new PassThrough()
    open.add(stream)
    const send = (text: string) => {
      if (stream.destroyed) return
      stream.write(text)
      if (stream.readableLength + stream.writableLength + reply.raw.writableLength > MAX_UNSENT_BYTES) {
        // What it holds is dropped at once; the client reconnects and resumes from the history.
        stream.destroy()
        reply.raw.destroy()
      }
    }
    let stopListening: (() => void) | undefined
    const heartbeat = setInterval(() => send(': heartbeat\n\n'), heartbeatSeconds * 1000)
    const expiresAt = request.caller?.expiresAt
    const expiry = expiresAt === undefined ? undefined : setTimeout(() => stream.end(), Math.min(expiresAt - Date.now(), MAX_TIMER_MS))
    let closed = false
    const release = () => {
      closed = true
      stopListening?.()
      clearInterval(heartbeat)
      clearTimeout(expiry)
      open.delete(stream)
      stream.end()
      liveStreams.dec()
      const left = (streamsByCaller.get(caller) as number) - 1
      if (left === 0) streamsByCaller.delete(caller)
      else streamsByCaller.set(caller, left)
    }
    // The response closes when the client goes away, or when the stream ends. A client may have gone
    // already, while the guard waited on Redis: then nothing will fire, and the slot is given back now.
    if (reply.raw.destroyed) release()
    else reply.raw.once('close', release)
    send(`retry: ${RETRY_MS}\n\n`)
    const stop = await liveEvents.listen(request.params.customerId, request.headers['last-event-id'], {
      event: (event) => send(message(event)),
      resync: (newestId) => send(resync(newestId))
    })
    // It may also go while the history is read.
    if (closed) stop()
    else stopListening = stop
    return reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-store')
      // nginx and its kind buffer responses unless told not to.
      .header('x-accel-buffering', 'no')
      // The schema documents the stream's text; what is sent is the stream itself.
      .send(stream as unknown as string)
  })
}
