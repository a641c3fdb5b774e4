import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { bankLinkRoutes } from './bank-links/routes.js'
import { createBankLinkStore } from './bank-links/store.js'
import { demoCallbackUrl, type Config } from './config/shape.js'
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
import { createMemoryState, createRedisState } from './shared-state.js'
import { createDrain } from './shutdown.js'
import { createCatchUp } from './webhooks/catch-up.js'
import { createMemoryInbox } from './webhooks/inbox.js'
import { createWebhookProcessor } from './webhooks/processor.js'
import { createRedisInbox } from './webhooks/redis-inbox.js'
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
  // The scope under load shedding: the API and Dwolla's webhooks, not the probes or metrics.
  await app.register(async (shed) => {
    if (config.maxEventLoopDelayMs > 0) await shed.register(loadShedding, { maxEventLoopDelayMs: config.maxEventLoopDelayMs })
    if (config.webhookSecret === undefined) {
      app.log.warn('DWOLLA_WEBHOOK_SECRET is unset: POST /webhooks/dwolla is not served, so bank links are not marked by Dwolla\'s webhooks')
    } else {
      const secret = config.webhookSecret
      const process = createWebhookProcessor({ bankLinks, liveEvents, log: app.log })
      const inbox = config.redisUrl === undefined
        ? createMemoryInbox(process, metrics.webhooks)
        : await createRedisInbox(config.redisUrl, process, { log: app.log, metrics: metrics.webhooks, tuning: config.webhookInbox })
      const catchUp = config.webhookCatchUpSeconds > 0
        ? createCatchUp({
          dwolla: { listWebhookSubscriptions: dwolla.listWebhookSubscriptions, ...createDwollaEvents(dwolla) },
          state: shared,
          accept: inbox.accept,
          intervalSeconds: config.webhookCatchUpSeconds,
          metrics: metrics.catchUp,
          log: app.log
        })
        : undefined
      // Catch-up, then the inbox it feeds; both before the shared state their work writes to (the parent's hooks).
      shed.addHook('onClose', async () => {
        await catchUp?.close()
        await inbox.close()
      })
      await shed.register(webhookRoutes, { secret, inbox, metrics: metrics.webhooks, limitSender: app.limitWebhookSender })
      if (options.subscribeWebhooks) {
        app.addHook('onListen', async () => {
          const { port } = app.server.address() as { port: number }
          const url = `http://127.0.0.1:${port}/webhooks/dwolla`
          const id = await dwolla.createWebhookSubscription(url, secret)
          app.log.info({ webhookSubscriptionId: id, url }, 'subscribed to the simulator\'s webhooks')
        })
      }
      // Serving, not merely built: tests that only inject, and a start that fails, read nothing from Dwolla.
      if (catchUp) app.addHook('onListen', async () => { catchUp.start() })
    }
    await shed.register(exchangeSessionRoutes, { dwolla, registeredRedirects: config.registeredRedirects })
    await shed.register(fundingSourceRoutes, { dwolla, bankLinks })
    await shed.register(bankLinkRoutes, { dwolla, bankLinks })
    await shed.register(liveEventRoutes, { liveEvents, ...config.events, liveStreams: metrics.liveStreams })
  })
  // server.ts begins the drain on SIGTERM (see shutDown).
  return Object.assign(app, { drain })
}

export type App = Awaited<ReturnType<typeof buildApp>>
