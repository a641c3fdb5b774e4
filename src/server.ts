import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import { buildApp } from './app.js'
import { ConfigError } from './config/env.js'
import { loadConfig } from './config/load.js'
import type { Config } from './config/shape.js'
import { createLogger } from './logger.js'
import { shutDown } from './shutdown.js'

let config: Config
try {
  config = loadConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`Invalid configuration: ${error.message}\n`)
  process.exit(1)
}

// Log lines are written 16 KiB at a time, and at least every second: one write per line cost a
// quarter of the throughput under load, and smaller batches still cost thread-pool CPU on every
// request. Written off the event loop (libuv's thread pool), so a
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
const app = config.dwolla.apiUrl === undefined
  ? await buildSimulatorModeApp()
  : await buildApp({ ...config, dwolla: { ...config.dwolla, apiUrl: config.dwolla.apiUrl } }, { logger })

/** Simulator mode: the simulator and the demo are loaded here alone, so a production process never holds them. */
async function buildSimulatorModeApp () {
  const [{ startEmbeddedSimulator }, { demoRoutes }] = await Promise.all([import('./simulator/embedded.js'), import('./demo/routes.js')])
    .catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ERR_MODULE_NOT_FOUND') throw error
      process.stderr.write('Invalid configuration: without DWOLLA_KEY the service runs in simulator mode, and this build has no simulator ' +
        "(the image's service target): set Dwolla's credentials, or build the image's default target\n")
      process.exit(1)
    })
  const embedded = await startEmbeddedSimulator(config, logger)
  const app = await buildApp({ ...config, dwolla: { ...config.dwolla, apiUrl: embedded.apiUrl } }, {
    logger,
    demo: { plugin: demoRoutes, options: { customerId: embedded.demoCustomerId, simulatorUrl: embedded.browserUrl } },
    subscribeWebhooks: true
  })
  app.addHook('onClose', () => embedded.simulator.close())
  return app
}

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
