import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { Metrics } from '../metrics/registry.js'
import { Problem, problemResponses } from '../problems.js'
import type { WebhookInbox } from './inbox.js'
import { isHandledTopic } from './processor.js'
import { DwollaEvent, WebhookHeaders } from './schemas.js'
import { isDwollaSignature } from './signature.js'

export interface WebhookRoutesOptions {
  secret: string
  inbox: Pick<WebhookInbox, 'accept'>
  metrics: Metrics['webhooks']
  /** Counts the request against its client address; throws RATE_LIMITED. */
  limitSender: (request: FastifyRequest) => Promise<void>
}

/** A Dwolla event is about 1 KiB; nothing larger is read, let alone hashed. */
const BODY_LIMIT = 16 * 1024
/** Seconds Dwolla is asked to wait before sending an event the inbox could not keep. */
const NOT_STORED_RETRY_AFTER_S = 5
const SIGNATURE_HEADER = 'x-request-signature-sha-256'

const signatureProblem = () => new Problem('WEBHOOK_SIGNATURE_INVALID', `${SIGNATURE_HEADER} is missing or is not the HMAC of this body.`)

/**
 * POST /webhooks/dwolla: limited per client address, verified on the raw bytes before parsing, and
 * acknowledged only once the inbox has the event (kept in Redis, or its work done in memory).
 */
export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRoutesOptions> = async (app, { secret, inbox, metrics, limitSender }) => {
  app.addHook('onRequest', async (request) => {
    // Before the HMAC is computed: a flood of badly signed bodies is refused cheaply.
    await limitSender(request)
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
      description: 'Verified with `DWOLLA_WEBHOOK_SECRET` on the raw body before parsing; answered 200 once the event is kept ' +
        '(in the shared inbox when `REDIS_URL` is set, else once its work is done), 503 `WEBHOOK_NOT_STORED` when it could not be, so Dwolla sends it again. ' +
        'Each event is processed at least once and acted on once per id (done ids are remembered 31 days). Handled topics: ' +
        '`customer_exchange_reauth_required`, `customer_funding_source_added`, `…_verified`, `…_unverified`, `…_removed`; others, and events created ' +
        'more than 30 days ago, are acknowledged and counted, not acted on. Limited per client address before the signature is checked.',
      headers: WebhookHeaders,
      body: DwollaEvent,
      response: {
        200: { description: 'Kept (or seen before); Dwolla stops retrying it.', type: 'null' },
        ...problemResponses([
          'WEBHOOK_SIGNATURE_INVALID', 'VALIDATION_ERROR', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'RATE_LIMITED', 'INTERNAL_ERROR', 'OVERLOADED', 'WEBHOOK_NOT_STORED'
        ])
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
    let outcome
    try {
      outcome = await inbox.accept(event)
    } catch (error) {
      request.log.error({ err: error, eventId: event.id, topic }, 'webhook event not kept: answered 503, Dwolla sends it again')
      throw new Problem('WEBHOOK_NOT_STORED', 'The event could not be kept; send it again.', { retryAfter: NOT_STORED_RETRY_AFTER_S })
    }
    if (outcome === 'duplicate') metrics.duplicated.inc()
    return reply.code(200).send()
  })
}
