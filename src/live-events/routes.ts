import { PassThrough } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Metrics } from '../metrics.js'
import { API_PROBLEMS, Problem, problemResponses } from '../problems.js'
import type { LiveEvent, LiveEvents } from './hub.js'
import { EventStream, EventsHeaders, EventsParams } from './schemas.js'

export interface LiveEventRoutesOptions {
  liveEvents: LiveEvents
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatSeconds: number
  /** Streams one caller may hold open on this replica. */
  maxStreamsPerCaller: number
  liveStreams: Metrics['liveStreams']
}

/** The browser waits this long before reconnecting a dropped stream. */
const RETRY_MS = 2000

const message = ({ id, type, data, occurredAt }: LiveEvent) =>
  `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify({ ...data, occurredAt })}\n\n`

/** GET /v1/customers/:customerId/events: the customer's live events as Server-Sent Events. */
export const liveEventRoutes: FastifyPluginAsyncTypebox<LiveEventRoutesOptions> = async (app, options) => {
  const { liveEvents, heartbeatSeconds, maxStreamsPerCaller, liveStreams } = options
  const streamsByCaller = new Map<string, number>()
  const open = new Set<PassThrough>()
  // Streams never finish by themselves: end them, so closing does not wait for the grace period.
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end()
  })

  app.get('/v1/customers/:customerId/events', {
    schema: {
      operationId: 'streamCustomerEvents',
      tags: ['events'],
      summary: "The customer's bank-link events as they happen (Server-Sent Events)",
      description: "Open it with the browser's EventSource (cookie mode) or a fetch-based reader (bearer token). Events: " +
        '`bank-link.reauth-required`, `funding-source.added`, `funding-source.verified`, `funding-source.unverified`, `funding-source.removed`. ' +
        `A heartbeat comment every ${heartbeatSeconds} s; at most ${maxStreamsPerCaller} streams per caller on each replica.`,
      params: EventsParams,
      headers: EventsHeaders,
      produces: ['text/event-stream'],
      response: {
        200: { description: 'An open stream of events.', content: { 'text/event-stream': { schema: EventStream } } },
        ...problemResponses([...API_PROBLEMS, 'TOO_MANY_STREAMS'])
      }
    }
  }, async (request, reply) => {
    const caller = request.caller?.subject ?? `ip:${request.ip}`
    const streams = streamsByCaller.get(caller) ?? 0
    if (streams >= maxStreamsPerCaller) {
      throw new Problem('TOO_MANY_STREAMS', `At most ${maxStreamsPerCaller} event streams per caller; close one first.`)
    }
    streamsByCaller.set(caller, streams + 1)
    liveStreams.inc()
    const stream = new PassThrough()
    open.add(stream)
    const { missed, stop } = liveEvents.listen(request.params.customerId, request.headers['last-event-id'], (event) => stream.write(message(event)))
    const heartbeat = setInterval(() => stream.write(': heartbeat\n\n'), heartbeatSeconds * 1000)
    // The response closes when the client goes away, or when the stream ends at shutdown.
    reply.raw.once('close', () => {
      stop()
      clearInterval(heartbeat)
      open.delete(stream)
      stream.end()
      liveStreams.dec()
      const left = (streamsByCaller.get(caller) as number) - 1
      if (left === 0) streamsByCaller.delete(caller)
      else streamsByCaller.set(caller, left)
    })
    stream.write(`retry: ${RETRY_MS}\n\n${missed.map(message).join('')}`)
    return reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-store')
      // nginx and its kind buffer responses unless told not to.
      .header('x-accel-buffering', 'no')
      // The schema documents the stream's text; what is sent is the stream itself.
      .send(stream as unknown as string)
  })
}
