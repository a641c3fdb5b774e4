import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { HAL, link } from './hal.js'

export interface EmbeddedError {
  code: string
  message: string
  path: string
}

export interface DwollaErrorBody {
  code: string
  message: string
  _embedded?: { errors: Array<EmbeddedError & { _links: Record<string, never> }> }
  _links?: { about: ReturnType<typeof link> }
}

/** An error that the simulator answers with Dwolla's status and body. */
export class DwollaError extends Error {
  override name = 'DwollaError'
  readonly status: number
  readonly body: DwollaErrorBody

  constructor (status: number, body: DwollaErrorBody) {
    super(body.message)
    this.status = status
    this.body = body
  }
}

const error = (status: number, code: string, message: string) => new DwollaError(status, { code, message })

/** Dwolla words some routes' 404 message differently; each route passes its documented one. */
export const notFound = (message = 'The requested resource was not found.') => error(404, 'NotFound', message)
export const forbidden = (message: string) => error(403, 'Forbidden', message)
export const invalidVersion = () => error(406, 'InvalidVersion', 'Missing or invalid API version.')
export const invalidCredentials = () => error(401, 'InvalidCredentials', 'Missing or invalid Authorization header.')
export const invalidAccessToken = () => error(401, 'InvalidAccessToken', 'Invalid access token.')
export const expiredAccessToken = () =>
  error(401, 'ExpiredAccessToken', 'Generate a new access token using your client credentials.')
// The idempotency doc names only the status; the code follows Dwolla's naming of the others.
export const stillProcessing = () =>
  error(409, 'Conflict', 'A request with this Idempotency-Key is still being processed.')
export const expiredExchangeToken = () => error(400, 'InvalidExchangeToken', 'Exchange token is expired.')
// Documented as a 401 although the request's own credentials are fine.
export const invalidExchangeToken = () => error(401, 'InvalidExchangeToken',
  'The exchange token is not valid to perform this operation. Either the token is expired or invalid, or the products permissions to the token are invalid or expired.')
export const inactiveExchange = () => error(400, 'InactiveExchange', 'The Exchange was removed or disabled.')

/** Dwolla's duplicate for a funding source from an exchange, as documented: it names no funding source. */
export const authorizationAlreadyUsed = () => error(400, 'ValidationError',
  'Duplicate funding source or validation error. Authorization already associated to a funding source.')
/** Dwolla's UpdateCredentials on a balance check, linking to where a re-auth session is created. */
export const updateCredentials = (reauthHref: string) => new DwollaError(400, {
  code: 'UpdateCredentials',
  message: 'Re-authentication is required in order to access account data. Please initiate the exchange session flow to regain access.',
  _links: { about: link(reauthHref, 'exchange-session') }
})
const badRequest = () => error(400, 'BadRequest', 'The request body contains bad syntax or is incomplete.')

/** Dwolla's 400 ValidationError with its embedded errors. */
export const validationError = (errors: EmbeddedError[]) => new DwollaError(400, {
  code: 'ValidationError',
  message: 'Validation error(s) present. See embedded errors list for more details.',
  _embedded: { errors: errors.map((embedded) => ({ ...embedded, _links: {} })) }
})

/** A missing member, worded as Dwolla words it ("FirstName required."). */
export const requiredField = (path: string) => {
  const member = path.slice(path.lastIndexOf('/') + 1)
  return { code: 'Required', path, message: `${member.charAt(0).toUpperCase()}${member.slice(1)} required.` }
}

/** One Invalid field, worded as Dwolla words it ("/_links/redirect-url/href is invalid."). */
export const invalidField = (path: string, message = `${path} is invalid.`) =>
  validationError([{ code: 'Invalid', path, message }])

interface SchemaIssue {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
}

/** A schema failure as Dwolla reports it: Required for a missing member or an empty string, else Invalid. */
function schemaError (issues: SchemaIssue[]): DwollaError {
  return validationError(issues.map((issue) => {
    if (issue.keyword === 'required') return requiredField(`${issue.instancePath}/${String(issue.params.missingProperty)}`)
    // The API's only minLength is 1: the string is empty.
    if (issue.keyword === 'minLength') return requiredField(issue.instancePath)
    return { code: 'Invalid', path: issue.instancePath, message: `${issue.instancePath} is invalid.` }
  }))
}

function toDwollaError (error: FastifyError | DwollaError, request: FastifyRequest): DwollaError {
  if (error instanceof DwollaError) return error
  if (error.validation) return schemaError(error.validation as SchemaIssue[])
  // Fastify's own client errors: malformed JSON, unsupported or empty bodies.
  if (error.statusCode !== undefined && error.statusCode < 500) return badRequest()
  request.log.error({ err: error }, 'simulator failed')
  return new DwollaError(500, { code: 'ServerError', message: `A server error occurred. Error ID: ${request.id}` })
}

/** The API's error handler: every failure leaves as a Dwolla error body. */
export function sendDwollaError (error: FastifyError | DwollaError, request: FastifyRequest, reply: FastifyReply) {
  const { status, body } = toDwollaError(error, request)
  return reply.code(status).type(HAL).send(body)
}
