import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config/shape.js'
import { buildSimulator, type Simulator } from './app.js'

export interface EmbeddedSimulator {
  simulator: Simulator
  /** Where the service reaches the simulator's Dwolla API. */
  apiUrl: string
  /** A customer seeded for trying the API and the demo. */
  demoCustomerId: string
  /** Where a browser reaches the simulator: its bank pages and Plaid Link stand-in. */
  browserUrl: string
}

/**
 * Starts the Dwolla simulator beside the service (simulator mode, the default), accepting the
 * service's own credentials and registered redirects, and seeds a demo customer.
 */
export async function startEmbeddedSimulator (config: Config, logger: FastifyBaseLogger): Promise<EmbeddedSimulator> {
  const simulator = await buildSimulator({
    credentials: { key: config.dwolla.key, secret: config.dwolla.secret },
    registeredRedirects: config.registeredRedirects,
    publicUrl: config.simulator.publicUrl
  })
  await simulator.listen({ port: config.simulator.port, host: config.simulator.host })
  const { port } = simulator.server.address() as { port: number }
  const demoCustomerId = simulator.sim.createCustomer({ firstName: 'Demo', lastName: 'Customer', email: 'demo@example.com' })
  const apiUrl = `http://127.0.0.1:${port}`
  logger.warn({ dwollaApiUrl: apiUrl, demoCustomerId },
    'DWOLLA SIMULATOR: no DWOLLA_KEY is set, so this service talks to an embedded Dwolla simulator, not to Dwolla')
  return { simulator, apiUrl, demoCustomerId, browserUrl: config.simulator.publicUrl ?? apiUrl }
}
