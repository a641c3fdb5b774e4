import { Writable } from 'node:stream'

/** A pino destination that keeps every line for assertions. */
export function captureLogs () {
  const lines: string[] = []
  const stream = new Writable({
    write (chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      done()
    }
  })
  return { stream, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) }
}
