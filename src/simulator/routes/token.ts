import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { Tokens } from '../tokens.js'

export interface TokenRouteOptions {
  credentials: { key: string; secret: string }
  tokens: Tokens
  ttlSeconds: number
  authorized: (request: FastifyRequest) => void
}

/** Client credentials from Basic authorization, as Dwolla documents, else from the form. */
function clientCredentials (authorization: string | undefined, form: Record<string, string>) {
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '')?.[1]
  if (basic === undefined) return { key: form.client_id, secret: form.client_secret }
  const [key, ...secret] = Buffer.from(basic, 'base64').toString('utf8').split(':')
  return { key, secret: secret.join(':') }
}

/** POST /token: OAuth 2 client credentials; errors are OAuth's, not Dwolla's HAL ones. */
export const tokenRoutes: FastifyPluginAsyncTypebox<TokenRouteOptions> = async (app, options) => {
  app.post('/token', async (request, reply) => {
    // A request without a body has no form fields.
    const form = (request.body ?? {}) as Record<string, string>
    const client = clientCredentials(request.headers.authorization, form)
    reply.type('application/json; charset=utf-8')
    if (client.key !== options.credentials.key || client.secret !== options.credentials.secret) {
      return reply.code(401).send({ error: 'invalid_client' })
    }
    options.authorized(request)
    if (form.grant_type !== 'client_credentials') return reply.code(400).send({ error: 'unsupported_grant_type' })
    return { access_token: options.tokens.issue(), token_type: 'bearer', expires_in: options.ttlSeconds }
  })
}
