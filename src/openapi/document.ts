import { buildApp } from '../app.js'
import { loadConfig } from '../config/load.js'
import { createLogger } from '../logger.js'

/**
 * The text of openapi.yaml: the service built as `npm start` builds it, described by its own
 * route schemas. Nothing listens and nothing reaches Dwolla.
 */
export async function generateOpenapiDocument (): Promise<string> {
  const config = loadConfig({ LOG_LEVEL: 'silent' })
  const app = await buildApp(
    { ...config, dwolla: { ...config.dwolla, apiUrl: 'http://127.0.0.1' } },
    { logger: createLogger(config.logLevel, process.stdout) }
  )
  await app.ready()
  const document = app.swagger({ yaml: true })
  await app.close()
  return document
}
