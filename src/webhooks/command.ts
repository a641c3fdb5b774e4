import type { DwollaClient, DwollaEvents } from '../dwolla/client.js'
import { Problem } from '../problems.js'
import type { DeadLetters } from './redis-inbox.js'

export const USAGE = 'usage: npm run webhooks -- subscribe <url> | list | remove <id> | resume <id> | dead-letters | replay <eventId>'

/** The commands that read the shared inbox (REDIS_URL) rather than Dwolla. */
export const isInboxCommand = (command: string | undefined) => command === 'dead-letters' || command === 'replay'

export interface WebhooksCommandOptions {
  dwolla: Pick<DwollaClient, 'createWebhookSubscription' | 'listWebhookSubscriptions' | 'removeWebhookSubscription'>
    & Pick<DwollaEvents, 'setWebhookSubscriptionPaused'>
  /** DWOLLA_WEBHOOK_SECRET: what Dwolla signs the subscription's webhooks with. */
  secret: string | undefined
  print: (line: string) => void
}

/** Manages the Dwolla account's webhook subscriptions; answers the process's exit code. */
export async function runWebhooksCommand (args: readonly string[], { dwolla, secret, print }: WebhooksCommandOptions): Promise<number> {
  const [command, argument, ...rest] = args
  try {
    if (command === 'subscribe' && argument !== undefined && rest.length === 0) {
      if (secret === undefined) {
        print('DWOLLA_WEBHOOK_SECRET: required to subscribe (the service verifies webhooks with it)')
        return 1
      }
      print(`subscribed ${await dwolla.createWebhookSubscription(argument, secret)} ${argument}`)
      return 0
    }
    if (command === 'list' && argument === undefined) {
      const subscriptions = await dwolla.listWebhookSubscriptions()
      for (const { id, url, paused, created } of subscriptions) print(`${id}  ${paused ? 'paused' : 'active'}  ${created}  ${url}`)
      if (subscriptions.length === 0) print('no webhook subscriptions')
      return 0
    }
    if (command === 'remove' && argument !== undefined && rest.length === 0) {
      await dwolla.removeWebhookSubscription(argument)
      print(`removed ${argument}`)
      return 0
    }
    // Dwolla paused it after too many failed deliveries; catch-up brings what was missed meanwhile.
    if (command === 'resume' && argument !== undefined && rest.length === 0) {
      await dwolla.setWebhookSubscriptionPaused(argument, false)
      print(`resumed ${argument}`)
      return 0
    }
  } catch (error) {
    if (!(error instanceof Problem)) throw error
    const { dwollaCode } = (error.cause ?? {}) as { dwollaCode?: string }
    print(`${error.code}${dwollaCode === undefined ? '' : ` (Dwolla: ${dwollaCode})`}: ${error.message}`)
    return 1
  }
  print(USAGE)
  return 2
}

/** Lists the inbox's dead letters, or puts one back in the inbox; answers the process's exit code. */
export async function runInboxCommand (
  args: readonly string[], { deadLetters, print }: { deadLetters: Pick<DeadLetters, 'list' | 'replay'>, print: (line: string) => void }
): Promise<number> {
  const [command, argument, ...rest] = args
  if (command === 'dead-letters' && argument === undefined) {
    const letters = await deadLetters.list()
    for (const { id, topic, created, tries, lastError } of letters) print(`${id}  ${topic}  created ${created}  tries ${tries}  ${lastError}`)
    if (letters.length === 0) print('no dead letters')
    return 0
  }
  if (command === 'replay' && argument !== undefined && rest.length === 0) {
    if (await deadLetters.replay(argument)) {
      print(`replayed ${argument}: back in the inbox`)
      return 0
    }
    print(`no dead letter ${argument}`)
    return 1
  }
  print(USAGE)
  return 2
}
