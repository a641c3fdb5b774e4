// The error catalogue is one table, kept whole so each code's status and wording are read side by side.
import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { PATTERN_MESSAGES } from './plain-text.js'
import { StringEnum } from './string-enum.js'

/** The error catalogue: every problem this service can answer with, by its stable code. */
export const problemCatalogue = {
  VALIDATION_ERROR: { status: 400, title: 'The request is not valid' },
  REDIRECT_URL_REQUIRED: { status: 400, title: 'A redirect URL is required' },
  REDIRECT_URL_NOT_ALLOWED: { status: 400, title: 'A redirect URL is not allowed' },
  REDIRECT_URL_INVALID: { status: 400, title: 'The redirect URL has the wrong form' },
  REDIRECT_URL_NOT_REGISTERED: { status: 400, title: 'The redirect URL is not registered' },
  UNAUTHENTICATED: { status: 401, title: 'The caller is not authenticated' },
  FORBIDDEN: { status: 403, title: 'The caller may not do this' },
  WEBHOOK_SIGNATURE_INVALID: { status: 401, title: 'The webhook signature is missing or wrong' },
  TOO_MANY_STREAMS: { status: 429, title: 'Too many open event streams' },
  STREAMS_AT_CAPACITY: { status: 503, title: 'This replica holds all the event streams it may' },
  CUSTOMER_NOT_FOUND: { status: 404, title: 'Customer not found' },
  NOT_FOUND: { status: 404, title: 'No such resource' },
  EXCHANGE_NOT_FOUND: { status: 404, title: 'Exchange not found' },
  FUNDING_SOURCE_EXISTS: { status: 409, title: 'The bank is already a funding source' },
  REQUEST_TIMEOUT: { status: 408, title: 'The request did not arrive in time' },
  FUNDING_SOURCE_NOT_FOUND: { status: 404, title: 'Funding source not found' },
  REAUTH_REQUIRED: { status: 409, title: 'The bank connection needs re-authentication' },
  BALANCE_NOT_SUPPORTED: { status: 422, title: 'A balance check is not supported for this funding source' },
  BALANCE_NOT_ENABLED: { status: 422, title: 'Balance checks are not enabled for this account' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The request body must be application/json' },
  HEADERS_TOO_LARGE: { status: 431, title: 'The request headers are too large' },
  PARTNER_NOT_ENABLED: { status: 422, title: 'The partner is not enabled for this product' },
  EXCHANGE_TOKEN_INVALID: { status: 422, title: "The partner's token is not valid" },
  EXCHANGE_INACTIVE: { status: 422, title: 'The exchange is not active' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error' },
  NOT_READY: { status: 503, title: 'The service is not ready' },
  OVERLOADED: { status: 503, title: 'The service is overloaded' },
  WEBHOOK_NOT_STORED: { status: 503, title: 'The webhook event could not be kept; send it again' },
  UPSTREAM_ERROR: { status: 502, title: 'Dwolla failed or answered unexpectedly' },
  UPSTREAM_UNAVAILABLE: { status: 503, title: 'Dwolla is unavailable right now' },
  UPSTREAM_TIMEOUT: { status: 504, title: 'Dwolla did not answer in time' }
} as const satisfies Record<string, { status: number; title: string }>

export type ProblemCode = keyof typeof problemCatalogue

export const FieldError = Type.Object({
  path: Type.String({ description: 'JSON pointer to the member; `params:` or `headers:` in front when it is not in the body.' }),
  message: Type.String()
})
export type FieldError = Static<typeof FieldError>

/**
 * What every problem response carries. Fastify serialises problem responses with it, so it
 * names every member send() writes: a member missing here would be silently dropped.
 */
export const ProblemDetails = Type.Object({
  type: Type.String({ description: 'A URI reference naming the problem type.' }),
  title: Type.String({ description: 'Short and the same for every occurrence of the code.' }),
  status: Type.Integer({ minimum: 400, maximum: 599 }),
  detail: Type.String({ description: 'What went wrong this time, for people.' }),
  code: StringEnum(Object.keys(problemCatalogue) as [ProblemCode, ...ProblemCode[]], {
    description: 'Stable and machine-readable: program against this, not the texts.'
  }),
  instance: Type.String({ description: 'The request path.' }),
  requestId: Type.String({ description: 'Also in the x-request-id header; quote it when asking for support.' }),
  errors: Type.Optional(Type.Array(FieldError, { description: 'VALIDATION_ERROR only: one entry per offending member.' })),
  fundingSourceId: Type.Optional(Type.String({ description: 'FUNDING_SOURCE_EXISTS only, when Dwolla names it: the funding source the bank already is.' })),
  exchangeId: Type.Optional(Type.String({ description: 'REAUTH_REQUIRED only: the exchange to re-authenticate (POST …/exchanges/{exchangeId}/exchange-sessions).' }))
}, { $id: 'ProblemDetails', description: 'RFC 9457 problem details with a stable code.' })

export interface ProblemOptions {
  /** Field-level details, for validation problems. */
  errors?: FieldError[]
  /** Seconds the caller should wait before trying again. */
  retryAfter?: number
  /** The WWW-Authenticate challenge of a 401. */
  challenge?: string
  /** FUNDING_SOURCE_EXISTS: the existing funding source, where Dwolla names it. */
  fundingSourceId?: string | undefined
  /** REAUTH_REQUIRED: the exchange to re-authenticate. */
  exchangeId?: string
  /** Internal cause, logged but never sent to the caller. */
  cause?: unknown
}

/** An error that becomes an RFC 9457 problem response with a stable code. */
export class Problem extends Error {
  override name = 'Problem'
  readonly code: ProblemCode
  readonly status: number
  readonly errors: FieldError[] | undefined
  readonly retryAfter: number | undefined
  readonly challenge: string | undefined
  readonly fundingSourceId: string | undefined
  readonly exchangeId: string | undefined

  constructor (code: ProblemCode, detail: string, options: ProblemOptions = {}) {
    super(detail, { cause: options.cause })
    this.code = code
    this.status = problemCatalogue[code].status
    this.errors = options.errors
    this.retryAfter = options.retryAfter
    this.challenge = options.challenge
    this.fundingSourceId = options.fundingSourceId
    this.exchangeId = options.exchangeId
  }
}

const problemType = (code: ProblemCode) => `/problems/${code.toLowerCase().replaceAll('_', '-')}`

const PROBLEM_MEDIA_TYPE = 'application/problem+json'

function send (request: FastifyRequest, reply: FastifyReply, problem: Problem) {
  if (problem.retryAfter !== undefined) reply.header('retry-after', String(problem.retryAfter))
  if (problem.challenge !== undefined) reply.header('www-authenticate', problem.challenge)
  return reply
    .code(problem.status)
    .header('cache-control', 'no-store')
    .type(PROBLEM_MEDIA_TYPE)
    .send({
      type: problemType(problem.code),
      title: problemCatalogue[problem.code].title,
      status: problem.status,
      detail: problem.message,
      code: problem.code,
      instance: request.url.split('?', 1)[0],
      requestId: request.id,
      ...(problem.errors && { errors: problem.errors }),
      ...(problem.fundingSourceId !== undefined && { fundingSourceId: problem.fundingSourceId }),
      ...(problem.exchangeId !== undefined && { exchangeId: problem.exchangeId })
    })
}

interface ValidationIssue {
  keyword: string
  instancePath: string
  message?: string
  params: Record<string, unknown>
}

function fieldErrors (error: FastifyError): FieldError[] {
  const context = error.validationContext
  return (error.validation as ValidationIssue[]).map((issue) => {
    // Point at the offending member itself for missing and unknown properties, and a discriminator's tag.
    const member = issue.params.missingProperty ?? issue.params.additionalProperty ?? issue.params.tag
    const path = (member === undefined ? issue.instancePath : `${issue.instancePath}/${String(member)}`) || '/'
    // Ajv's enum message does not say which values are allowed, and a pattern says little to a caller: both in words.
    const message = issue.keyword === 'enum'
      ? `must be one of: ${(issue.params.allowedValues as unknown[]).join(', ')}`
      : PATTERN_MESSAGES.get(String(issue.params.pattern)) ?? String(issue.message)
    return { path: context === 'body' ? path : `${context}:${path}`, message }
  })
}

/** Turns any thrown error, Fastify's own included, into the Problem the caller sees. */
function toProblem (error: FastifyError | Problem): Problem {
  if (error instanceof Problem) return error
  if (error.validation) {
    return new Problem('VALIDATION_ERROR', 'The request does not match the schema.', { errors: fieldErrors(error) })
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Problem('PAYLOAD_TOO_LARGE', 'The request body exceeds the size limit.')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.')
  }
  // Fastify's remaining client errors: malformed JSON, empty body, bad Content-Length, poisoned
  // keys. Their messages describe the request, never the server, so the caller may read them.
  if ((error.statusCode ?? 500) < 500) {
    return new Problem('VALIDATION_ERROR', error.message)
  }
  return new Problem('INTERNAL_ERROR', 'An unexpected error occurred.', { cause: error })
}

/** 503s the service answers by design (at capacity, shedding load, draining): a warning, so error lines stay failures. */
const DECLINED = new Set<ProblemCode>(['STREAMS_AT_CAPACITY', 'OVERLOADED', 'NOT_READY'])

/** One problem+json handler for every error and unknown route, and the schema of what it sends. */
export function registerProblemHandlers (app: FastifyInstance) {
  app.addSchema(ProblemDetails)
  app.setErrorHandler((error: FastifyError | Problem, request, reply) => {
    const problem = toProblem(error)
    if (problem.cause === undefined && DECLINED.has(problem.code)) {
      request.log.warn({ code: problem.code, detail: problem.message }, 'request declined')
    } else if (problem.status >= 500) {
      request.log.error({ err: problem.cause ?? problem, code: problem.code }, 'request failed')
    } else {
      request.log.info({ code: problem.code, detail: problem.message }, 'request rejected')
    }
    return send(request, reply, problem)
  })
  app.setNotFoundHandler((request, reply) =>
    send(request, reply, new Problem('NOT_FOUND', `No route for ${request.method} ${request.url.split('?', 1)[0]}.`)))
}

/** What Node's HTTP parser refuses before any route runs: a slow request, oversized headers, anything not HTTP. */
const CONNECTION_PROBLEMS = {
  ERR_HTTP_REQUEST_TIMEOUT: new Problem('REQUEST_TIMEOUT', 'The request did not arrive whole within the time allowed; the connection is closed.'),
  HPE_HEADER_OVERFLOW: new Problem('HEADERS_TOO_LARGE', 'The request headers exceed the size limit; the connection is closed.'),
  other: new Problem('VALIDATION_ERROR', 'The request is not valid HTTP; the connection is closed.')
}

/**
 * Fastify's clientErrorHandler: the same problem+json as every other error, written on the raw
 * socket (there is no request to reply to), with a request id for the log line, then closed.
 */
export function answerClientError (this: FastifyInstance, error: NodeJS.ErrnoException, socket: Duplex) {
  // A reset or already closed connection has no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const problem = CONNECTION_PROBLEMS[error.code as keyof typeof CONNECTION_PROBLEMS] ?? CONNECTION_PROBLEMS.other
  const requestId = randomUUID()
  this.log.info({ requestId, code: problem.code, reason: error.code }, 'connection refused')
  const body = JSON.stringify({
    type: problemType(problem.code),
    title: problemCatalogue[problem.code].title,
    status: problem.status,
    detail: problem.message,
    code: problem.code,
    requestId
  })
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: ${PROBLEM_MEDIA_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nx-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy(error)
}

/** The headers a problem response carries besides x-request-id: Retry-After when it can tell, the 401 challenge. */
const RETRY_AFTER = { 'retry-after': { type: 'integer', minimum: 0, description: 'Seconds to wait before trying again, when known.' } }
/** The Cache-Control of every answer about a customer: never cached. */
export const NO_STORE = { type: 'string', enum: ['no-store'], description: 'Never cached.' }
const PROBLEM_HEADERS: Partial<Record<number, object>> = {
  401: { 'www-authenticate': { type: 'string', description: 'The Bearer challenge (RFC 6750); error="invalid_token" when a token was refused.' } },
  429: RETRY_AFTER,
  503: RETRY_AFTER
}

/**
 * The response schemas documenting the problems a route can answer, one per status, each
 * naming its codes. Fastify serialises the route's problems with them.
 */
/** What any /v1 route can answer besides its own problems: the edge, the caller, and Dwolla failing. */
export const API_PROBLEMS: readonly ProblemCode[] = [
  'VALIDATION_ERROR', 'UNAUTHENTICATED', 'FORBIDDEN', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'RATE_LIMITED',
  'INTERNAL_ERROR', 'UPSTREAM_ERROR', 'UPSTREAM_UNAVAILABLE', 'OVERLOADED', 'UPSTREAM_TIMEOUT'
]

export function problemResponses (codes: readonly ProblemCode[]) {
  const codesByStatus = new Map<number, ProblemCode[]>()
  for (const code of codes) {
    const status = problemCatalogue[code].status
    codesByStatus.set(status, [...codesByStatus.get(status) ?? [], code])
  }
  return Object.fromEntries([...codesByStatus].map(([status, members]) => [status, {
    description: members.map((code) => `- \`${code}\`: ${problemCatalogue[code].title}`).join('\n'),
    headers: { 'cache-control': NO_STORE, ...PROBLEM_HEADERS[status] },
    content: { [PROBLEM_MEDIA_TYPE]: { schema: Type.Ref('ProblemDetails') } }
  }]))
}
