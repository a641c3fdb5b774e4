import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { bankLinkRoutes } from './bank-links/routes.js'
import { createBankLinkStore } from './bank-links/store.js'
import { demoCallbackUrl, type Config } from './config.js'
import { createDwollaClient, createDwollaEvents } from './dwolla/client.js'
import { exchangeSessionRoutes } from './exchange-sessions/routes.js'
import { fundingSourceRoutes } from './funding-sources/routes.js'
import { createLiveEvents } from './live-events/hub.js'
import { liveEventRoutes } from './live-events/routes.js'
import { createMetrics } from './metrics/registry.js'
import { callerGuard } from './plugins/caller-guard.js'
import { corsPolicy } from './plugins/cors.js'
import { healthRoutes } from './operations/health.js'
import { loadShedding } from './plugins/load-shedding.js'
import { metricsPlugin } from './metrics/plugin.js'
import { openapi } from './openapi/plugin.js'
import { callerRateLimit } from './plugins/rate-limit.js'
import { requestLog } from './plugins/request-log.js'
import { securityHeaders } from './plugins/security-headers.js'
import { serviceDescription } from './operations/service-description.js'
import { answerClientError, registerProblemHandlers } from './problems.js'
import { createMemoryEventLog, createRedisEventLog } from './shared-event-log.js'
import { createMemoryState, createRedisState, type SharedState } from './shared-state.js'
import { createDrain } from './shutdown.js'
import { createCatchUp, type AcceptEvent } from './webhooks/catch-up.js'
import { createWebhookProcessor, isHandledTopic, type WebhookProcessor } from './webhooks/processor.js'
import { webhookRoutes } from './webhooks/routes.js'

/** A configuration whose Dwolla base URL is known (in simulator mode: once the simulator listens). */
export type ResolvedConfig = Config & { dwolla: { apiUrl: string } }

/** What the demo page (src/demo/) is served for; the redirect is the service's own callback. */
interface DemoPageOptions {
  customerId: string
  redirectUrl: string
  simulatorUrl: string
}

export interface AppOptions {
  /** The service's logger (see createLogger). */
  logger: FastifyBaseLogger
  /**
   * Simulator mode: GET / is then the demo page, for the simulator's seeded customer. Handed in by
   * the entry, which loads it only in simulator mode, so the service itself never imports the demo.
   */
  demo?: {
    plugin: (app: FastifyInstance, options: DemoPageOptions) => Promise<void>
    options: Omit<DemoPageOptions, 'redirectUrl'>
  }
  /** Once listening, subscribe POST /webhooks/dwolla to Dwolla's webhooks (the embedded simulator's). */
  subscribeWebhooks?: boolean
}

/** Until the durable inbox: what POST /webhooks/dwolla does with a verified event (claim its id for 73 h, then process it). */
function acceptWithoutInbox (state: SharedState, process: WebhookProcessor): AcceptEvent {
  return async (event) => {
    if (!await state.claim(`bff:webhook-event:${event.id}`, 73 * 60 * 60)) return 'duplicate'
    if (isHandledTopic(event.topic)) await process({ ...event, topic: event.topic })
    return 'accepted'
  }
}

/** Builds the service; tests and the process entry build it the same way. */
export async function buildApp (config: ResolvedConfig, options: AppOptions) {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: 8 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy,
    clientErrorHandler: answerClientError,
    requestTimeout: config.connections.requestTimeoutMs,
    // Behind a proxy this must outlast the proxy's idle timeout for upstream connections (60 s for
    // nginx and AWS ALB): then the proxy closes idle connections first, and never sends a request
    // on one this side is closing at that moment (which it would answer with 502).
    keepAliveTimeout: config.connections.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.connections.headersTimeoutMs,
      // Node looks for overdue requests at this interval (30 s by default), so a timeout fires within a quarter of itself.
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config.connections.headersTimeoutMs / 4))
    },
    // x-examples: named request examples for openapi.yaml, an annotation Ajv must not refuse.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, discriminator: true, keywords: ['x-examples'] } }
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.server.maxConnections = config.connections.maxConnections
  if (config.plainHttpAllowed.length > 0) {
    app.log.warn({ variables: config.plainHttpAllowed }, `plain http allowed in production by ALLOW_PLAIN_HTTP for ${config.plainHttpAllowed.join(', ')}: for a local stack only`)
  }
  const drain = createDrain(app.server)

  // JSON only: a text/plain body is refused with 415 rather than parsed as a string.
  app.removeContentTypeParser('text/plain')
  registerProblemHandlers(app)

  const metrics = createMetrics()
  const dwolla = createDwollaClient({
    ...config.dwolla,
    observer: metrics.dwolla,
    // The embedded simulator's pages, or a self-hosted one's (SIMULATOR_PUBLIC_URL, as in the compose stack).
    simulatorUrl: config.simulator.publicUrl ?? (config.dwolla.env === 'simulator' ? config.dwolla.apiUrl : undefined)
  })
  app.addHook('onClose', () => dwolla.close())
  // What replicas must agree on: re-auth marks, webhook events seen, live events.
  const shared = config.redisUrl === undefined ? createMemoryState() : await createRedisState(config.redisUrl, app.log)
  app.addHook('onClose', () => shared.close())
  const bankLinks = createBankLinkStore(shared)
  const eventLog = config.redisUrl === undefined ? createMemoryEventLog() : await createRedisEventLog(config.redisUrl, app.log)
  app.addHook('onClose', () => eventLog.close())
  const liveEvents = await createLiveEvents(eventLog, { log: app.log, malformed: metrics.liveEventsMalformed })

  await app.register(openapi, { docsEnabled: config.docsEnabled })
  // Before the other routes: the service description lists each one as it is registered.
  if (options.demo) {
    await app.register(options.demo.plugin, { ...options.demo.options, redirectUrl: demoCallbackUrl(config.port) })
  } else {
    await app.register(serviceDescription, { dwollaEnv: config.dwolla.env })
  }
  await app.register(requestLog, { metrics })
  await app.register(metricsPlugin, { metrics, listen: config.metrics.listen })
  await app.register(securityHeaders)
  await app.register(corsPolicy, { origins: config.corsOrigins, credentials: config.auth.mode === 'jwt' && config.auth.cookie !== undefined })
  await app.register(callerRateLimit, { ...config.rateLimit, redisUrl: config.redisUrl })
  // Before any route: it guards every /v1 route registered after it.
  await app.register(callerGuard, { auth: config.auth, corsOrigins: config.corsOrigins })
  await app.register(healthRoutes, { dwollaReady: dwolla.ready, draining: () => drain.draining })
  if (config.webhookSecret === undefined) {
    app.log.warn('DWOLLA_WEBHOOK_SECRET is unset: POST /webhooks/dwolla is not served, so bank links are not marked by Dwolla\'s webhooks')
  } else {
    const secret = config.webhookSecret
    const process = createWebhookProcessor({ bankLinks, liveEvents, log: app.log })
    await app.register(webhookRoutes, { secret, state: shared, process, metrics: metrics.webhooks })
    if (options.subscribeWebhooks) {
      app.addHook('onListen', async () => {
        const { port } = app.server.address() as { port: number }
        const url = `http://127.0.0.1:${port}/webhooks/dwolla`
        const id = await dwolla.createWebhookSubscription(url, secret)
        app.log.info({ webhookSubscriptionId: id, url }, 'subscribed to the simulator\'s webhooks')
      })
    }
    if (config.webhookCatchUpSeconds > 0) {
      const catchUp = createCatchUp({
        dwolla: { listWebhookSubscriptions: dwolla.listWebhookSubscriptions, ...createDwollaEvents(dwolla) },
        state: shared,
        accept: acceptWithoutInbox(shared, process),
        intervalSeconds: config.webhookCatchUpSeconds,
        metrics: metrics.catchUp,
        log: app.log
      })
      // Serving, not merely built: tests that only inject, and a start that fails, read nothing from Dwolla.
      app.addHook('onListen', async () => { catchUp.start() })
      app.addHook('onClose', () => catchUp.close())
    }
  }
  // The API scope: what protects the /v1 routes applies to them alone, not to probes or metrics.
  await app.register(async (api) => {
    if (config.maxEventLoopDelayMs > 0) await api.register(loadShedding, { maxEventLoopDelayMs: config.maxEventLoopDelayMs })
    await api.register(exchangeSessionRoutes, { dwolla, registeredRedirects: config.registeredRedirects })
    await api.register(fundingSourceRoutes, { dwolla, bankLinks })
    await api.register(bankLinkRoutes, { dwolla, bankLinks })
    await api.register(liveEventRoutes, { liveEvents, ...config.events, liveStreams: metrics.liveStreams })
  })
  // server.ts begins the drain on SIGTERM (see shutDown).
  return Object.assign(app, { drain })
}

export type App = Awaited<ReturnType<typeof buildApp>>
