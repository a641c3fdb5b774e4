import type { Test } from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/shape.js'
import { createLogger } from '../../src/logger.js'
import { demoRoutes } from '../../src/demo/routes.js'
import { startEmbeddedSimulator } from '../../src/simulator/embedded.js'
import { captureLogs } from './logs.js'

/**
 * A config as the service would read it from this environment. Load shedding and webhook catch-up
 * only where a test asks for them: on a busy machine a starved event loop sheds requests that other
 * tests are about, and a catch-up round adds Dwolla calls that other tests count.
 */
export function testConfig (env: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', MAX_EVENT_LOOP_DELAY_MS: '0', WEBHOOK_CATCH_UP_SECONDS: '0', ...env })
}

export const REDIRECTS = {
  visa: 'https://app.example.com/iav-callback',
  ios: 'https://example.com/app123',
  android: 'com.example.app123'
}

export interface StackOptions {
  /** Variables over the test defaults. */
  env?: NodeJS.ProcessEnv
  /** Changes what no variable sets (e.g. JWKS timings). */
  adjust?: (config: Config) => Config
  /** Subscribes the service to its simulator's webhooks, as it does at start in simulator mode. */
  subscribeWebhooks?: boolean
}

/** The app and its embedded simulator, built in this process as src/server.ts builds them, on ephemeral ports; closed when the test ends. */
export async function startStack (t: Test, { env = {}, adjust = (config) => config, subscribeWebhooks = false }: StackOptions = {}) {
  const logs = captureLogs()
  const config = adjust(testConfig({
    LOG_LEVEL: 'trace',
    HOST: '127.0.0.1',
    SIMULATOR_PORT: '0',
    REDIRECT_URLS: Object.values(REDIRECTS).join(','),
    ...env
  }))
  const logger = createLogger(config.logLevel, logs.stream)
  const embedded = await startEmbeddedSimulator(config, logger)
  const app = await buildApp({ ...config, dwolla: { ...config.dwolla, apiUrl: embedded.apiUrl } }, {
    logger, demo: { plugin: demoRoutes, options: { customerId: embedded.demoCustomerId, simulatorUrl: embedded.browserUrl } }, subscribeWebhooks
  })
  t.teardown(async () => {
    await app.close()
    await embedded.simulator.close()
  })
  return { app, config, logs, sim: embedded.simulator.sim, simulator: embedded.simulator, customerId: embedded.demoCustomerId }
}

/** The service configured for Dwolla's sandbox, as a user would run it; Dwolla itself is never called. */
export async function buildSandboxApp (t: Test, { env = {} }: { env?: NodeJS.ProcessEnv } = {}) {
  const config = testConfig({ DWOLLA_KEY: 'key', DWOLLA_SECRET: 'secret', AUTH_MODE: 'none', ...env })
  const app = await buildApp({ ...config, dwolla: { ...config.dwolla, apiUrl: 'https://api-sandbox.dwolla.com' } }, {
    logger: createLogger('silent', captureLogs().stream)
  })
  t.teardown(() => app.close())
  return app
}
