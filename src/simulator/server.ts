import { ConfigError, readEnv } from '../config/env.js'
import { redaction } from '../logger.js'
import { buildSimulator } from './app.js'
import { SimulatorEnvSchema } from './config.js'

let env
try {
  env = readEnv(SimulatorEnvSchema, process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`Invalid configuration: ${error.message}\n`)
  process.exit(1)
}

const simulator = await buildSimulator({
  credentials: { key: env.DWOLLA_KEY, secret: env.DWOLLA_SECRET },
  registeredRedirects: env.REDIRECT_URLS.split(',').map((url) => url.trim()).filter(Boolean),
  publicUrl: env.SIMULATOR_PUBLIC_URL,
  logger: { level: env.LOG_LEVEL, ...redaction }
})
const address = await simulator.listen({ port: env.PORT, host: env.HOST })
// A customer to start with, since the simulator begins empty.
const demoCustomerId = simulator.sim.createCustomer({ firstName: 'Demo', lastName: 'Customer', email: 'demo@example.com' })
simulator.log.info({ address, clientKey: env.DWOLLA_KEY, publicUrl: env.SIMULATOR_PUBLIC_URL ?? address, demoCustomerId },
  `Dwolla API simulator (not Dwolla) listening at ${address}`)

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void simulator.close())
}
