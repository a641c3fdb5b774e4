import type { Test } from 'tap'
import { startStack, type StackOptions } from './stack.js'
import { openStream } from './event-stream.js'
import { partnerFlows } from './partner-flows.js'
import { postWebhook, sign } from './webhook-events.js'

/** The stack listening on a port, subscribed to its simulator's webhooks, and ways to send, read and watch. */
export async function startWebhookStack (t: Test, { env, adjust }: Pick<StackOptions, 'env' | 'adjust'> = {}) {
  const stack = await startStack(t, { env, adjust, subscribeWebhooks: true })
  const base = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  const secret = stack.config.webhookSecret as string
  const send = (event: object, signature?: string) => {
    const body = JSON.stringify(event)
    return postWebhook(base, { body, signature: signature ?? sign(secret, body) })
  }
  const bankLinks = async () => (await stack.app.inject({ method: 'GET', url: `/v1/customers/${stack.customerId}/bank-links` })).json().bankLinks
  const metric = async (line: RegExp) => {
    const text = await (await fetch(`${base}/metrics`)).text()
    return Number(line.exec(text)?.[1] ?? 0)
  }
  /** The customer's live event stream, closed when the test ends. */
  const events = async (customer = stack.customerId) => {
    const stream = await openStream(`${base}/v1/customers/${customer}/events`)
    t.teardown(stream.close)
    return stream
  }
  return { ...stack, base, secret, send, bankLinks, metric, events, visaBank: partnerFlows(stack).visaBank }
}
