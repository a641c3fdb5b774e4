import { pino } from 'pino'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { createLogger } from './logger.js'
import { startEmbeddedSimulator } from './simulator/embedded.js'

let config: Config
try {
  config = loadConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`Invalid configuration: ${error.message}\n`)
  process.exit(1)
}

const logger = createLogger(config.logLevel, pino.destination(1))
const embedded = config.dwolla.apiUrl === undefined ? await startEmbeddedSimulator(config, logger) : undefined
const app = await buildApp(
  { ...config, dwolla: { ...config.dwolla, apiUrl: embedded?.apiUrl ?? config.dwolla.apiUrl ?? '' } },
  { logger, demoCustomerId: embedded?.demoCustomerId }
)
if (embedded) app.addHook('onClose', () => embedded.simulator.close())
await app.listen({ port: config.port, host: config.host })

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down')
    app.close().then(() => process.exit(0), (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed')
      process.exit(1)
    })
  })
}
