export interface StreamMessage {
  id?: string
  event?: string
  data?: string
  retry?: string
  /** A comment line (a heartbeat), without its colon. */
  comment?: string
}

/**
 * A fetch-based Server-Sent Events reader, as an app with a bearer token uses one: the response,
 * every message parsed so far, a wait for the next matching one, and close.
 */
export async function openStream (url: string, { headers = {} }: { headers?: Record<string, string> } = {}) {
  const controller = new AbortController()
  const response = await fetch(url, { headers, signal: controller.signal })
  const messages: StreamMessage[] = []
  let ended = false
  const reading = (async () => {
    if (!response.ok || response.body === null) return
    let buffer = ''
    const decoder = new TextDecoder()
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const message: StreamMessage = {}
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) message.comment = line.slice(1).trim()
            else {
              const colon = line.indexOf(':')
              message[line.slice(0, colon) as 'id' | 'event' | 'data' | 'retry'] = line.slice(colon + 1).trimStart()
            }
          }
          messages.push(message)
        }
      }
    } catch {
      // Aborted by close().
    }
    ended = true
  })()

  /** The first message matching, waiting up to timeoutMs for it; rejects past the deadline. */
  async function next (matches: (message: StreamMessage) => boolean, timeoutMs = 5000): Promise<StreamMessage> {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const found = messages.find(matches)
      if (found) return found
      if (performance.now() > deadline) throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  return {
    response,
    messages,
    next,
    ended: () => ended,
    reading,
    close: () => controller.abort()
  }
}
