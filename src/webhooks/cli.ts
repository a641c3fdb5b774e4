import { Type } from '@sinclair/typebox'
import { ConfigError, EnvSchema, readEnv } from '../config/env.js'
import { plainHttpAllowed } from '../config/load.js'
import { DWOLLA_API_URLS } from '../config/shape.js'
import { createDwollaClient, createDwollaEvents } from '../dwolla/client.js'
import { isInboxCommand, runInboxCommand, runWebhooksCommand } from './command.js'
import { openDeadLetters } from './redis-inbox.js'

/**
 * `npm run webhooks -- subscribe <url> | list | remove <id> | resume <id>`: the service's Dwolla settings,
 * nothing else; `dead-letters | replay <eventId>`: the shared inbox, through REDIS_URL.
 */
const CommandEnv = Type.Pick(EnvSchema, [
  'NODE_ENV', 'DWOLLA_ENV', 'DWOLLA_KEY', 'DWOLLA_SECRET', 'DWOLLA_API_URL', 'ALLOW_PLAIN_HTTP', 'UPSTREAM_TIMEOUT_MS', 'DWOLLA_WEBHOOK_SECRET', 'REDIS_URL'
])

function fail (message: string): never {
  process.stderr.write(`${message}\n`)
  process.exit(1)
}

/** The settings, refused as the service refuses them (never printing a value). */
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

const args = process.argv.slice(2)
const print = (line: string) => process.stdout.write(`${line}\n`)
const { env, apiUrl } = readCommandEnv()

async function inboxCommand () {
  if (env.REDIS_URL === undefined) {
    fail('Set REDIS_URL: dead letters live in the shared inbox, which only Redis holds (without it a failed event is answered 503 and Dwolla retries it).')
  }
  const deadLetters = openDeadLetters(env.REDIS_URL)
  try {
    return await runInboxCommand(args, { deadLetters, print })
  } catch (error) {
    // Only the message: a Redis error carries the command it refused, and AUTH's arguments are the password.
    return fail(`Redis: ${(error as Error).message}`)
  } finally {
    await deadLetters.close()
  }
}

async function dwollaCommand () {
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
  try {
    return await runWebhooksCommand(args, { dwolla: { ...dwolla, ...createDwollaEvents(dwolla) }, secret: env.DWOLLA_WEBHOOK_SECRET, print })
  } finally {
    await dwolla.close()
  }
}

process.exitCode = await (isInboxCommand(args[0]) ? inboxCommand() : dwollaCommand())
