import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'

/** Every response of a draining replica asks its client to reconnect, so keep-alive clients move on. */
const closeAfterResponse = (_request: IncomingMessage, response: ServerResponse) => {
  response.setHeader('connection', 'close')
}

/**
 * Draining: a load balancer keeps sending to a replica for a while after it is told to stop (its
 * endpoint list lags the signal). Meanwhile readiness fails and every request is still answered.
 */
export function createDrain (server: Server) {
  let draining = false
  return {
    get draining () { return draining },
    begin () {
      draining = true
      // Ahead of the framework's listener, so the header is set before any answer is written; nothing on the hot path until then.
      server.prependListener('request', closeAfterResponse)
    }
  }
}

export type Drain = ReturnType<typeof createDrain>

/**
 * The way out on SIGTERM: drain for drainMs, then stop listening and let in-flight requests finish.
 * Keep-alive connections whose last request finishes after closing began go idle then, and are closed as they do.
 */
export async function shutDown (app: FastifyInstance & { drain: Drain }, drainMs: number) {
  app.drain.begin()
  await sleep(drainMs)
  const reapIdle = setInterval(() => app.server.closeIdleConnections(), 100)
  try {
    await app.close()
  } finally {
    clearInterval(reapIdle)
  }
}
