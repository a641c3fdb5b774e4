import Fastify, { type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import { loggerOptions } from './logger.js'
import { registerProblemHandlers } from './problems.js'
import { healthRoutes } from './plugins/health.js'

export interface AppOptions {
  /** A logger destination or instance for tests; defaults to pino on stdout. */
  logger?: FastifyServerOptions['logger']
  loggerInstance?: FastifyServerOptions['loggerInstance']
}

/** Builds the service; tests and the process entry build it the same way. */
export async function buildApp (config: Config, options: AppOptions = {}) {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? loggerOptions(config.logLevel) }),
    bodyLimit: 8 * 1024,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } }
  }).withTypeProvider<TypeBoxTypeProvider>()

  registerProblemHandlers(app)
  await app.register(healthRoutes)
  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
