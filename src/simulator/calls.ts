import type { FastifyReply, FastifyRequest } from 'fastify'

export interface Call {
  method: string
  route: string
  url: string
  idempotencyKey?: string
  /** The simulator accepted the request's credentials: a live bearer token, or client credentials at /token. */
  authorized: boolean
  /** The status answered; 0 while in flight or when the connection was reset. */
  status: number
}

/** Records every Dwolla API request in arrival order, completed with its status. */
export function createCallLog () {
  const calls: Call[] = []
  const byRequest = new WeakMap<FastifyRequest, Call>()
  return {
    calls: calls as readonly Call[],
    async record (request: FastifyRequest) {
      const key = request.headers['idempotency-key'] as string | undefined
      const call: Call = {
        method: request.method,
        route: request.routeOptions.url as string,
        url: request.url,
        ...(key !== undefined && { idempotencyKey: key }),
        authorized: false,
        status: 0
      }
      calls.push(call)
      byRequest.set(request, call)
    },
    authorized (request: FastifyRequest) {
      (byRequest.get(request) as Call).authorized = true
    },
    async completed (request: FastifyRequest, reply: FastifyReply) {
      (byRequest.get(request) as Call).status = reply.statusCode
    },
    clear () {
      calls.length = 0
    }
  }
}
