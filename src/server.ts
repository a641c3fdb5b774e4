import closeWithGrace from 'close-with-grace'
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

// Log lines are written 4 KiB at a time, and at least every second: one write per line cost a
// quarter of the throughput under load. Written synchronously, without a thread-pool round trip
// per write; pino flushes only asynchronous destinations at exit, so this one is flushed here.
const logDestination = pino.destination({ dest: 1, minLength: 4096, periodicFlush: 1000, sync: true })
process.once('exit', () => logDestination.flushSync())
const logger = createLogger(config.logLevel, logDestination)
const embedded = config.dwolla.apiUrl === undefined ? await startEmbeddedSimulator(config, logger) : undefined
const app = await buildApp(
  { ...config, dwolla: { ...config.dwolla, apiUrl: embedded?.apiUrl ?? config.dwolla.apiUrl ?? '' } },
  {
    logger,
    demo: embedded && { customerId: embedded.demoCustomerId, simulatorUrl: embedded.browserUrl },
    subscribeWebhooks: embedded !== undefined
  }
)
if (embedded) app.addHook('onClose', () => embedded.simulator.close())

// On SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close idle keep-alive
// connections, and exit; past the grace period, exit anyway.
closeWithGrace({
  delay: config.shutdownGraceMs,
  logger: { error: (message: unknown) => logger.error({ err: message }, 'shutdown') }
}, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'closing after an unhandled error')
  else logger.info({ signal }, 'shutting down')
  // Keep-alive connections of requests that finish during the drain go idle after closing began.
  const reapIdle = setInterval(() => app.server.closeIdleConnections(), 100)
  await app.close()
  clearInterval(reapIdle)
})

await app.listen({ port: config.port, host: config.host })
// The start-up lines at once, not a second later.
logDestination.flush()
