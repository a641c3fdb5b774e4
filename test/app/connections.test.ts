import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { buildSandboxApp, startStack } from '../support/stack.js'

/** The service on an ephemeral port with the given limits; its port. */
async function listening (t: Test, env: NodeJS.ProcessEnv) {
  const app = await buildSandboxApp(t, { env })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as { port: number }).port
}

/** A raw client socket: everything it received, and when the server closed it (ms after opening). */
async function rawClient (t: Test, port: number) {
  const opened = Date.now()
  const socket: Socket = connect(port, '127.0.0.1')
  t.teardown(() => { socket.destroy() })
  let received = ''
  socket.setEncoding('utf8').on('data', (chunk: string) => { received += chunk })
  socket.on('error', () => {})
  const closed = once(socket, 'close').then(() => Date.now() - opened)
  await once(socket, 'connect')
  return { socket, received: () => received, closed }
}

/** The problem+json body of a raw answer, after checking its media type. */
function problemOf (answer: string) {
  const [head = '', body = ''] = answer.split('\r\n\r\n', 2)
  if (!/\r\nContent-Type: application\/problem\+json\r\n/i.test(head)) throw new Error(`not problem+json: ${head}`)
  return JSON.parse(body) as Record<string, unknown>
}

/** Writes one character at a time, every `everyMs`, until the socket closes. */
async function trickle (socket: Socket, text: string, everyMs: number) {
  for (const character of text) {
    if (socket.destroyed || !socket.writable) return
    socket.write(character)
    await sleep(everyMs)
  }
}

const CUSTOMER = '/v1/customers/9a3a5f3c-5f5e-4b6e-9f2a-1c2d3e4f5a6b/exchange-sessions'

t.test('a body sent a byte at a time is cut off with 408 once REQUEST_TIMEOUT_MS has passed', async (t) => {
  const port = await listening(t, { REQUEST_TIMEOUT_MS: '2000', HEADERS_TIMEOUT_MS: '1000' })
  const client = await rawClient(t, port)
  const body = '{"partner":"mx"}'.padEnd(64)
  client.socket.write(`POST ${CUSTOMER} HTTP/1.1\r\nHost: bff\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`)
  void trickle(client.socket, body, 400)
  const after = await client.closed
  t.match(client.received(), /^HTTP\/1\.1 408 /, '408 Request Timeout')
  t.match(problemOf(client.received()), { status: 408, code: 'REQUEST_TIMEOUT', requestId: /^[0-9a-f-]{36}$/ }, 'as problem+json')
  t.ok(after >= 2000 && after < 5000, `closed after ${after} ms`)
})

t.test('headers sent a byte at a time are cut off with 408 once HEADERS_TIMEOUT_MS has passed', async (t) => {
  const port = await listening(t, { REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '1000' })
  const client = await rawClient(t, port)
  void trickle(client.socket, `GET /health/live HTTP/1.1\r\nHost: bff\r\nX-Slow: ${'x'.repeat(100)}\r\n\r\n`, 100)
  const after = await client.closed
  t.match(client.received(), /^HTTP\/1\.1 408 /)
  t.ok(after >= 1000 && after < 3500, `closed after ${after} ms`)
})

t.test('headers over the size limit get 431 HEADERS_TOO_LARGE, and bytes that are not HTTP 400, as problem+json', async (t) => {
  const port = await listening(t, {})
  const oversized = await rawClient(t, port)
  oversized.socket.write(`GET /health/live HTTP/1.1\r\nHost: bff\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`)
  await oversized.closed
  t.match(oversized.received(), /^HTTP\/1\.1 431 /)
  t.match(problemOf(oversized.received()), { status: 431, code: 'HEADERS_TOO_LARGE' })
  const garbage = await rawClient(t, port)
  garbage.socket.write('\u0016\u0003\u0001 not http at all\r\n\r\n')
  await garbage.closed
  t.match(garbage.received(), /^HTTP\/1\.1 400 /)
  t.match(problemOf(garbage.received()), { status: 400, code: 'VALIDATION_ERROR', detail: /not valid HTTP/ })
})

t.test('each refused connection is logged once with its request id; a client that resets is not', async (t) => {
  const { app, logs } = await startStack(t, { env: { HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const reset = await rawClient(t, port)
  reset.socket.write('GET /health/live HTTP/1.1\r\nHost: b')
  await sleep(100)
  reset.socket.resetAndDestroy()
  const slow = await rawClient(t, port)
  slow.socket.write('GET /health/live HTTP/1.1\r\nHost: b')
  await slow.closed
  const refused = logs.records().filter((record) => record.msg === 'connection refused')
  t.equal(refused.length, 1, 'the timed-out connection only')
  t.match(refused[0], { code: 'REQUEST_TIMEOUT', reason: 'ERR_HTTP_REQUEST_TIMEOUT', requestId: problemOf(slow.received()).requestId })
})

t.test('an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS, and says so', async (t) => {
  const port = await listening(t, { KEEP_ALIVE_TIMEOUT_MS: '1000' })
  const client = await rawClient(t, port)
  client.socket.write('GET /health/live HTTP/1.1\r\nHost: bff\r\n\r\n')
  const after = await client.closed
  t.match(client.received(), /^HTTP\/1\.1 200 .*\r\nKeep-Alive: timeout=1\r\n/s)
  t.ok(after >= 1000 && after < 4000, `closed after ${after} ms`)
})

t.test('by default keep-alive outlasts a proxy idle timeout of 60 s', async (t) => {
  const port = await listening(t, {})
  const response = await fetch(`http://127.0.0.1:${port}/health/live`)
  t.equal(response.headers.get('keep-alive'), 'timeout=65')
})

t.test('connections past MAX_CONNECTIONS are closed unanswered; a freed slot serves again', async (t) => {
  const port = await listening(t, { MAX_CONNECTIONS: '2' })
  const held = [await rawClient(t, port), await rawClient(t, port)]
  // Both slots taken: the server accepts and holds them.
  held[0]!.socket.write('GET /health/live HTTP/1.1\r\nHost: bff\r\n\r\n')
  await sleep(200)
  t.match(held[0]!.received(), /^HTTP\/1\.1 200 /)

  const refused = await rawClient(t, port)
  refused.socket.write('GET /health/live HTTP/1.1\r\nHost: bff\r\n\r\n')
  const after = await refused.closed
  t.equal(refused.received(), '', 'no answer')
  t.ok(after < 1000, `closed after ${after} ms`)

  held[1]!.socket.destroy()
  await held[1]!.closed
  await sleep(100)
  const next = await rawClient(t, port)
  next.socket.write('GET /health/live HTTP/1.1\r\nHost: bff\r\nConnection: close\r\n\r\n')
  await next.closed
  t.match(next.received(), /^HTTP\/1\.1 200 /, 'served once a slot is free')
})
