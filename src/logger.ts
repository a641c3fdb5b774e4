import type { FastifyServerOptions } from 'fastify'

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

export function loggerOptions (level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: redactedPaths, censor: '[redacted]' }
  }
}
