import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Metrics } from '../metrics/registry.js'
import { Problem, problemResponses } from '../problems.js'
import type { SharedState } from '../shared-state.js'
import { isHandledTopic, type WebhookProcessor } from './processor.js'
import { DwollaEvent, WebhookHeaders } from './schemas.js'
import { isDwollaSignature } from './signature.js'

export interface WebhookRoutesOptions {
  secret: string
  state: SharedState
  process: WebhookProcessor
  metrics: Metrics['webhooks']
}

/** A Dwolla event is about 1 KiB; nothing larger is read, let alone hashed. */
const BODY_LIMIT = 16 * 1024
/** Dwolla retries an event for 72 hours: its id is remembered a little longer. */
const SEEN_FOR_SECONDS = 73 * 60 * 60
const SIGNATURE_HEADER = 'x-request-signature-sha-256'

const signatureProblem = () => new Problem('WEBHOOK_SIGNATURE_INVALID', `${SIGNATURE_HEADER} is missing or is not the HMAC of this body.`)

/**
 * POST /webhooks/dwolla: verified on the raw bytes before parsing, acknowledged at once, each
 * event processed once however often Dwolla sends it (across replicas when the state is shared).
 */
export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRoutesOptions> = async (app, { secret, state, process, metrics }) => {
  const pending = new Set<Promise<void>>()
  // Shutdown waits for the work already acknowledged to Dwolla.
  app.addHook('onClose', async () => { await Promise.all(pending) })

  app.addHook('onRequest', async (request) => {
    if (typeof request.headers[SIGNATURE_HEADER] !== 'string') {
      metrics.rejected.inc({ reason: 'signature' })
      throw signatureProblem()
    }
  })
  // The signature covers the exact bytes Dwolla sent, so they are checked before JSON.parse sees them.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (request, body, done) => {
    if (!isDwollaSignature(secret, body as Buffer, request.headers[SIGNATURE_HEADER] as string)) {
      metrics.rejected.inc({ reason: 'signature' })
      return done(signatureProblem())
    }
    try {
      done(null, JSON.parse((body as Buffer).toString('utf8')))
    } catch {
      metrics.rejected.inc({ reason: 'invalid' })
      done(new Problem('VALIDATION_ERROR', 'The body is not JSON.'))
    }
  })

  app.post('/webhooks/dwolla', {
    bodyLimit: BODY_LIMIT,
    attachValidation: true,
    schema: {
      operationId: 'receiveDwollaWebhook',
      tags: ['webhooks'],
      // Dwolla's signature, not a caller token, is what this route checks.
      security: [],
      summary: "Dwolla's webhooks (subscribe this URL with the webhooks command)",
      description: 'Verified with `DWOLLA_WEBHOOK_SECRET` on the raw body before parsing; answered 200 at once, the work done after. ' +
        'Each event is processed once (its id is remembered for 73 hours, in Redis when `REDIS_URL` is set). Handled topics: ' +
        '`customer_exchange_reauth_required`, `customer_funding_source_added`, `…_verified`, `…_unverified`, `…_removed`; others are acknowledged and counted.',
      headers: WebhookHeaders,
      body: DwollaEvent,
      response: {
        200: { description: 'Received (or seen before); Dwolla stops retrying it.', type: 'null' },
        ...problemResponses(['WEBHOOK_SIGNATURE_INVALID', 'VALIDATION_ERROR', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'INTERNAL_ERROR'])
      }
    }
  }, async (request, reply) => {
    if (request.validationError) {
      metrics.rejected.inc({ reason: 'invalid' })
      throw new Problem('VALIDATION_ERROR', 'The body is not a Dwolla event.')
    }
    const event = request.body
    const { topic } = event
    metrics.received.inc({ topic: isHandledTopic(topic) ? topic : 'other' })
    if (!await state.claim(`bff:webhook-event:${event.id}`, SEEN_FOR_SECONDS)) {
      metrics.duplicated.inc()
      return reply.code(200).send()
    }
    if (isHandledTopic(topic)) {
      // The answer is written before the work begins, whatever becomes of the connection.
      const work = new Promise<void>((resolve) => setImmediate(resolve)).then(() => process({ ...event, topic })).catch((error: unknown) => {
        request.log.error({ err: error, eventId: event.id, topic }, 'webhook event processing failed')
      }).finally(() => pending.delete(work))
      pending.add(work)
    }
    return reply.code(200).send()
  })
}
