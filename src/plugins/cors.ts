import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { CSRF_HEADER } from './caller-guard.js'

export interface CorsPolicyOptions {
  /** Browser origins allowed to call the API; empty: same-origin and native clients only. */
  origins: readonly string[]
  /** Whether browsers may send the session cookie (cookie mode). */
  credentials: boolean
}

/** CORS for the configured origins only: any other origin gets no CORS header at all. */
export const corsPolicy = fp(async (app: FastifyInstance, { origins, credentials }: CorsPolicyOptions) => {
  if (origins.length === 0) return
  const allowed = new Set(origins)
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin) && origin),
    credentials,
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', CSRF_HEADER],
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600
  })
}, { name: 'cors-policy' })
