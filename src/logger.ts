import type { FastifyBaseLogger } from 'fastify'
import { pino, type DestinationStream, type LoggerOptions } from 'pino'

const CENSOR = '[redacted]'
/** Names whose value is a credential, at the top of a log line's object or one level down. */
const CREDENTIAL_KEYS: ReadonlySet<string> = new Set(['authorization', 'access_token', 'accessToken', 'token', 'secret', 'password'])
/** And in a `headers` object (a request's or response's), the headers that carry one. */
const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'set-cookie'])

/** A copy with the same prototype and own properties (an Error keeps its message, stack and cause), censored at these keys. */
function censoredCopy<T extends object> (object: T, keys: string[], replacements: unknown[]): T {
  const descriptors: PropertyDescriptorMap = {}
  // Values read through the original: since Node 22 an error's stack is an own getter that answers only for that error.
  for (const [key, { enumerable }] of Object.entries(Object.getOwnPropertyDescriptors(object))) {
    descriptors[key] = { value: object[key as keyof T], enumerable, writable: true, configurable: true }
  }
  const copy = Object.create(Object.getPrototypeOf(object), descriptors) as T
  keys.forEach((key, i) => Object.defineProperty(copy, key, { value: replacements[i], enumerable: true, writable: true, configurable: true }))
  return copy
}

const isRedisCommand = (value: unknown): value is { args: unknown } =>
  typeof value === 'object' && value !== null && Array.isArray((value as { args?: unknown }).args)

function scrub<T extends object> (object: T, depth: number, inHeaders: boolean): T {
  let keys: string[] | undefined
  let replacements: unknown[] | undefined
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue
    const value: unknown = object[key]
    let replacement = value
    if (CREDENTIAL_KEYS.has(key) || (inHeaders && CREDENTIAL_HEADERS.has(key))) replacement = CENSOR
    // A Redis error carries the command it refused, and AUTH's arguments are the password.
    else if (key === 'command' && isRedisCommand(value)) replacement = { ...value, args: CENSOR }
    else if (typeof value === 'object' && value !== null && (depth === 0 || key === 'headers') && depth < 2) replacement = scrub(value, depth + 1, key === 'headers')
    if (replacement === value) continue
    ;(keys ??= []).push(key)
    ;(replacements ??= []).push(replacement)
  }
  return keys === undefined ? object : censoredCopy(object, keys, replacements as unknown[])
}

/**
 * Censors credentials wherever a log call puts them: the paths pino's `redact` would take as
 * `token`, `*.token`, `req.headers.authorization`, `res.headers["set-cookie"]` and the like. A scan
 * that copies only when a name matches: pino's wildcard redaction walked every value of every
 * line.
 */
export const redactCredentials = <T extends object>(object: T): T => scrub(object, 0, false)

const censor = () => CENSOR
/**
 * Pino options that censor credentials in every line; a child logger's bindings (which pino
 * formats once, through serializers, not formatters) by their top-level names.
 */
export const redaction = {
  formatters: { log: redactCredentials },
  serializers: Object.fromEntries([...CREDENTIAL_KEYS].map((key) => [key, censor]))
} satisfies LoggerOptions

/** The service's JSON logger, with credentials redacted wherever they appear. */
export function createLogger (level: string, destination: DestinationStream): FastifyBaseLogger {
  return pino({ level, ...redaction }, destination)
}
