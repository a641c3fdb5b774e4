import type { DwollaClient, DwollaEvents } from '../dwolla/client.js'
import { Problem } from '../problems.js'

export const USAGE = 'usage: npm run webhooks -- subscribe <url> | list | remove <id> | resume <id>'

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
