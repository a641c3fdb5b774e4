import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { requireBearer, requireHalAccept } from './auth.js'
import { createCallLog } from './calls.js'
import type { SimulatorControl } from './control.js'
import { notFound, sendDwollaError } from './errors.js'
import { createFaults, type Fault } from './faults.js'
import { HAL } from './hal.js'
import { createIdempotencyStore } from './idempotency-store.js'
import { createState } from './state.js'
import { createTokens } from './tokens.js'
import { bankRoutes } from './routes/bank.js'
import { controlRoutes } from './routes/control.js'
import { customerRoutes } from './routes/customers.js'
import { exchangePartnerRoutes } from './routes/exchange-partners.js'
import { simulatedExchangeSessionRoutes } from './routes/exchange-sessions.js'
import { exchangeRoutes } from './routes/exchanges.js'
import { simulatedFundingSourceRoutes } from './routes/funding-sources.js'
import { plaidLinkRoutes } from './routes/plaid-link.js'
import { tokenRoutes } from './routes/token.js'
import { eventRoutes } from './routes/events.js'
import { webhookSubscriptionRoutes } from './routes/webhook-subscriptions.js'
import { MAX_WEBHOOK_SUBSCRIPTIONS, WEBHOOK_RETRY_SCHEDULE_MS } from './config.js'
import { createWebhooks, PAUSE_AFTER_FAILURES } from './webhooks.js'

export interface SimulatorOptions {
  /** The only client credentials /token accepts. */
  credentials: { key: string; secret: string }
  /** The account's configured redirect URLs and Android package names. */
  registeredRedirects: readonly string[]
  /** Origin a browser uses to reach the bank pages; default: the origin the session was created on. */
  publicUrl?: string
  /** expires_in of issued tokens; default 3600. */
  tokenTtlSeconds?: number
  /** Waits before each webhook retry; default WEBHOOK_RETRY_SCHEDULE_MS. */
  webhookRetryScheduleMs?: readonly number[]
  /** Consecutive failed deliveries that pause a subscription; default Dwolla's PAUSE_AFTER_FAILURES. */
  webhookPauseAfterFailures?: number
  /** Default false. */
  logger?: FastifyServerOptions['logger']
}

export type { Fault }

export type Simulator = FastifyInstance & { sim: SimulatorControl }

/** A control call naming something the simulator never made is a mistake in the test. */
function known<T> (value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`The simulator has no ${what}`)
  return value
}

/** A Dwolla API stand-in with the bank pages its exchange sessions lead to, controllable from tests. */
export async function buildSimulator (options: SimulatorOptions): Promise<Simulator> {
  const app = Fastify({
    logger: options.logger ?? false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } }
  }).withTypeProvider<TypeBoxTypeProvider>()

  const ttlSeconds = options.tokenTtlSeconds ?? 3600
  const publicUrl = options.publicUrl?.replace(/\/$/, '')
  const state = createState()
  const tokens = createTokens(ttlSeconds)
  const callLog = createCallLog()
  const faults = createFaults()
  const idempotency = createIdempotencyStore()
  const webhooks = createWebhooks({
    retryScheduleMs: options.webhookRetryScheduleMs ?? WEBHOOK_RETRY_SCHEDULE_MS,
    maxSubscriptions: MAX_WEBHOOK_SUBSCRIPTIONS,
    pauseAfterFailures: options.webhookPauseAfterFailures ?? PAUSE_AFTER_FAILURES
  })
  app.addHook('onClose', async () => { webhooks.close() })
  // Events name the API's own origin, whichever page or control caused them.
  const apiOrigin = () => {
    const address = app.server.address()
    return typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : 'http://localhost:80'
  }

  const control: SimulatorControl = {
    createCustomer: (input = {}) => state.addCustomer({
      firstName: input.firstName ?? 'Jane',
      lastName: input.lastName ?? 'Doe',
      email: input.email ?? `jane.doe+${state.customers.size + 1}@example.com`
    }).id,
    addBalanceFundingSource: (customerId) => state.addBalance(known(state.customers.get(customerId), `customer ${customerId}`).id).id,
    fault: faults.add,
    calls: callLog.calls,
    expireTokens: tokens.expireAll,
    deactivateExchange (exchangeId) {
      known(state.exchanges.get(exchangeId), `exchange ${exchangeId}`).status = 'deactivated'
    },
    revokeAccess (exchangeId) {
      const exchange = known(state.exchanges.get(exchangeId), `exchange ${exchangeId}`)
      exchange.reauthRequired = true
      webhooks.publish({
        topic: 'customer_exchange_reauth_required', resourceId: exchange.id, resourcePath: `/exchanges/${exchange.id}`, customerId: exchange.customerId
      }, apiOrigin())
    },
    webhooks,
    expireExchangeToken (token) {
      known(state.exchangeTokens.get(token), `exchange token ${token}`).status = 'expired'
    },
    count: (kind) => ({
      exchangeSessions: state.sessions.size,
      customers: state.customers.size,
      tokens: tokens.count(),
      exchanges: state.exchanges.size,
      fundingSources: state.fundingSources.size
    })[kind],
    reset () {
      callLog.clear()
      faults.clear()
    }
  }
  app.decorate('sim', control)

  // /token's form body, and the bank pages' button posts.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))))
  app.addContentTypeParser(HAL, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'))
  app.setNotFoundHandler(async (request, reply) => sendDwollaError(notFound(), request, reply))

  // The Dwolla API: recorded, faultable, answering Dwolla's media type and errors.
  await app.register(async (api) => {
    api.setErrorHandler(sendDwollaError)
    api.addHook('onRequest', async (_request, reply) => { reply.type(HAL) })
    api.addHook('onRequest', callLog.record)
    api.addHook('onRequest', idempotency.claim)
    api.addHook('onRequest', faults.apply)
    api.addHook('onResponse', callLog.completed)
    await api.register(tokenRoutes, { credentials: options.credentials, tokens, ttlSeconds, authorized: callLog.authorized })
    await api.register(async (secured) => {
      secured.addHook('onRequest', requireHalAccept)
      secured.addHook('onRequest', requireBearer(tokens, callLog.authorized))
      secured.addHook('preHandler', idempotency.replay)
      secured.addHook('onSend', idempotency.remember)
      await secured.register(exchangePartnerRoutes, { state })
      await secured.register(customerRoutes, { state })
      await secured.register(simulatedExchangeSessionRoutes, { state, registeredRedirects: options.registeredRedirects, publicUrl })
      await secured.register(exchangeRoutes, { state })
      await secured.register(simulatedFundingSourceRoutes, { state, webhooks })
      await secured.register(webhookSubscriptionRoutes, { webhooks })
      await secured.register(eventRoutes, { webhooks })
    })
  })
  await app.register(bankRoutes, { state, revokeAccess: control.revokeAccess })
  await app.register(plaidLinkRoutes, { state })
  await app.register(controlRoutes, { control })
  return app as unknown as Simulator
}
