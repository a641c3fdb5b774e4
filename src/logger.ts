import type { FastifyBaseLogger } from 'fastify'
import { pino, type DestinationStream } from 'pino'

/** Everything that may carry a credential, wherever a log call puts it. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'authorization',
  'access_token',
  'accessToken',
  'token',
  'secret',
  'password',
  '*.authorization',
  '*.access_token',
  '*.accessToken',
  '*.token',
  '*.secret',
  '*.password'
]

/** The service's JSON logger, with credentials redacted wherever they appear. */
export function createLogger (level: string, destination: DestinationStream): FastifyBaseLogger {
  return pino({ level, redact: { paths: redactedPaths, censor: '[redacted]' } }, destination)
}
