import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { createTransport, type DwollaObserver } from '../../src/dwolla/transport.js'
import { Problem } from '../../src/problems.js'

const observer: DwollaObserver = { call () {}, retry () {}, tokenRefresh () {} }

async function upstream (t: Test, answer: (request: IncomingMessage, response: ServerResponse) => void) {
  const seen: string[] = []
  const server = createServer((request, response) => {
    seen.push(String(request.url))
    answer(request, response)
  }).listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return { origin: `http://127.0.0.1:${port}`, seen }
}

t.test('a call whose budget ends while it waits for a connection times out and is never sent', async (t) => {
  const { origin, seen } = await upstream(t, (request, response) => {
    setTimeout(() => response.end('{}'), request.url === '/slow' ? 400 : 0)
  })
  const transport = createTransport({ origin, timeoutMs: 150, observer, connections: 1 })
  t.teardown(() => transport.close())
  const slow = transport.send('retrieveExchange', { method: 'GET', path: '/slow' }, {}).catch((error: unknown) => error)
  const queued = await transport.send('retrieveExchange', { method: 'GET', path: '/queued' }, {}).catch((error: unknown) => error)
  t.ok(queued instanceof Problem)
  t.equal((queued as Problem).code, 'UPSTREAM_TIMEOUT')
  t.equal(((await slow) as Problem).code, 'UPSTREAM_TIMEOUT')
  // Once the connection is free again, the queued request is aborted rather than written.
  await sleep(500)
  t.same(seen, ['/slow'])
})

t.test('an answer that arrives in pieces is read whole; Location and Retry-After are kept', async (t) => {
  const { origin } = await upstream(t, (_request, response) => {
    response.writeHead(201, { location: `/exchange-sessions/1`, 'retry-after': '3', 'x-other': 'dropped' })
    response.write('{"_links":')
    setTimeout(() => response.end('{"self":{"href":"é"}}}'), 20)
  })
  const transport = createTransport({ origin, timeoutMs: 1000, observer })
  t.teardown(() => transport.close())
  const response = await transport.send('createExchangeSession', { method: 'POST', path: '/customers/1/exchange-sessions', body: '{}' }, {})
  t.equal(response.status, 201)
  t.same(response.headers, { location: '/exchange-sessions/1', 'retry-after': '3' })
  t.same(response.body, { _links: { self: { href: 'é' } } })
})
