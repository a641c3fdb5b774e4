import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { createLogger } from './logger.js'
import { shutDown } from './shutdown.js'
import { startEmbeddedSimulator } from './simulator/embedded.js'

let config: Config
try {
  config = loadConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`Invalid configuration: ${error.message}\n`)
  process.exit(1)
}

// Log lines are written 16 KiB at a time, and at least every second: one write per line cost a
// quarter of the throughput under load, one per 4 KiB still 3.2-3.6 µs of thread-pool CPU per
// request (16 KiB: 1.2-1.6). Written off the event loop (libuv's thread pool), so a
// stdout reader that falls behind cannot stall the service: while it does, up to LOG_BACKLOG_BYTES
// wait in memory, and lines beyond are dropped and counted. pino flushes what is left at exit.
const LOG_BACKLOG_BYTES = 16 * 1024 * 1024
// maxWrite: sonic-boom wants minLength below it (16 KiB by default).
const logDestination = pino.destination({ dest: 1, minLength: 16 * 1024, maxWrite: 64 * 1024, maxLength: LOG_BACKLOG_BYTES, periodicFlush: 1000, sync: false })
const logger = createLogger(config.logLevel, logDestination)
let droppedLines = 0
logDestination.on('drop', () => { droppedLines++ })
setInterval(() => {
  if (droppedLines === 0) return
  logger.warn({ droppedLines }, 'log lines dropped: stdout fell behind')
  droppedLines = 0
}, 10_000).unref()
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

// On SIGTERM: drain (not ready, still answering), then stop accepting and let in-flight requests
// finish; past drain plus grace, exit anyway.
closeWithGrace({
  delay: config.shutdownDrainMs + config.shutdownGraceMs,
  logger: { error: (message: unknown) => logger.error({ err: message }, 'shutdown') }
}, async ({ signal, err }) => {
  // Ctrl-C (SIGINT) ends a run in a terminal: no load balancer is there to drain.
  const drainMs = signal === 'SIGINT' ? 0 : config.shutdownDrainMs
  if (err) logger.error({ err }, 'closing after an unhandled error')
  else logger.info({ signal, drainMs }, 'shutting down')
  await shutDown(app, drainMs)
})

await app.listen({ port: config.port, host: config.host })
// The start-up lines at once, not a second later.
logDestination.flush()
