import { Type } from '@sinclair/typebox'
import { ConfigError, DWOLLA_API_URLS, EnvSchema, plainHttpAllowed, readEnv } from '../config.js'
import { createDwollaClient, createDwollaEvents } from '../dwolla/client.js'
import { runWebhooksCommand } from './command.js'

/** `npm run webhooks -- subscribe <url> | list | remove <id> | resume <id>`: the service's Dwolla settings, nothing else. */
const CommandEnv = Type.Pick(EnvSchema, [
  'NODE_ENV', 'DWOLLA_ENV', 'DWOLLA_KEY', 'DWOLLA_SECRET', 'DWOLLA_API_URL', 'ALLOW_PLAIN_HTTP', 'UPSTREAM_TIMEOUT_MS', 'DWOLLA_WEBHOOK_SECRET'
])

function fail (message: string): never {
  process.stderr.write(`${message}\n`)
  process.exit(1)
}

/** The Dwolla settings, refused as the service refuses them (never printing a value). */
function readCommandEnv () {
  try {
    const env = readEnv(CommandEnv, process.env)
    const dwollaEnv = env.DWOLLA_ENV ?? 'sandbox'
    const apiUrl = env.DWOLLA_API_URL ?? (dwollaEnv === 'simulator' ? undefined : DWOLLA_API_URLS[dwollaEnv])
    const production = env.NODE_ENV === 'production' || dwollaEnv === 'production'
    for (const name of plainHttpAllowed(production ? [['DWOLLA_API_URL', apiUrl]] : [], env.ALLOW_PLAIN_HTTP)) {
      process.stderr.write(`Warning: plain http allowed in production by ALLOW_PLAIN_HTTP for ${name}: for a local stack only\n`)
    }
    return { env, apiUrl }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    return fail(`Invalid configuration: ${error.message}`)
  }
}

const { env, apiUrl } = readCommandEnv()
const { DWOLLA_KEY: key, DWOLLA_SECRET: secret } = env
if (apiUrl === undefined || key === undefined || secret === undefined) {
  fail('Set DWOLLA_KEY and DWOLLA_SECRET, and DWOLLA_ENV (sandbox, production) or DWOLLA_API_URL (a running simulator).')
}
const dwolla = createDwollaClient({
  apiUrl,
  key,
  secret,
  timeoutMs: env.UPSTREAM_TIMEOUT_MS,
  observer: { call () {}, retry () {}, tokenRefresh () {} }
})
process.exitCode = await runWebhooksCommand(process.argv.slice(2), {
  dwolla: { ...dwolla, ...createDwollaEvents(dwolla) },
  secret: env.DWOLLA_WEBHOOK_SECRET,
  print: (line) => process.stdout.write(`${line}\n`)
})
await dwolla.close()
