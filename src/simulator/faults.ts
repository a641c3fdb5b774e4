import { setTimeout } from 'node:timers/promises'
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** A failure to inject into the next matching Dwolla API calls. */
export const FaultSchema = Type.Object({
  method: Type.String({ minLength: 1 }),
  /** The Fastify route pattern, e.g. '/customers/:id/exchange-sessions'. */
  route: Type.String({ minLength: 1 }),
  /** How many matching calls fail; default 1. */
  times: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Answer with this status (500 when only a body is given) instead of handling the call. */
  status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
  /** JSON, or a string sent as text/html like a proxy's error page. */
  body: Type.Optional(Type.Unknown()),
  headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  /** Wait this long first; alone, the call then proceeds normally. */
  delayMs: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Destroy the socket without answering. */
  reset: Type.Optional(Type.Boolean())
}, { additionalProperties: false })

export type Fault = Static<typeof FaultSchema>

/** Pending faults, matched in the order they were added, applied before authentication. */
export function createFaults () {
  const pending: Array<Fault & { remaining: number }> = []

  function take (request: FastifyRequest) {
    const index = pending.findIndex((fault) =>
      fault.method.toUpperCase() === request.method && fault.route === request.routeOptions.url)
    const fault = pending[index]
    if (fault && --fault.remaining === 0) pending.splice(index, 1)
    return fault
  }

  return {
    add (fault: Fault) {
      pending.push({ ...fault, remaining: fault.times ?? 1 })
    },
    clear () {
      pending.length = 0
    },
    async apply (request: FastifyRequest, reply: FastifyReply) {
      const fault = take(request)
      if (!fault) return
      if (fault.delayMs) await setTimeout(fault.delayMs)
      if (fault.reset) {
        reply.hijack()
        request.raw.socket.destroy()
        return
      }
      if (fault.status === undefined && fault.body === undefined) return
      if (typeof fault.body === 'string') reply.type('text/html; charset=utf-8')
      return reply.code(fault.status ?? 500).headers(fault.headers ?? {}).send(fault.body)
    }
  }
}
