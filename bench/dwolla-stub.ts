// A Dwolla stand-in as light as the baseline's server: node:http and canned HAL answers for the
// four calls an MX exchange session takes (token, exchange partners, create, retrieve), so the
// upstream costs the rows under test as little CPU as it can. GET /__calls counts calls by path.
// Env: PORT.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

const HAL = 'application/vnd.dwolla.v1.hal+json'
const PARTNER_IDS = { Visa: '0fb2c15c-c4a9-4b7a-92b4-1b7a6ce5d7f6', Plaid: '292317ec-e252-47d8-93c3-2d128e037aa4', MX: 'a8f5e1c6-1b7e-4d16-8a6e-0f2f1d9d3b7c' }
const calls = { token: 0, partners: 0, sessions: 0, retrieved: 0 }

function answer (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = body === undefined ? '' : JSON.stringify(body)
  response.writeHead(status, { 'content-type': status === 200 && headers.kind === 'token' ? 'application/json' : HAL, ...headers, 'content-length': Buffer.byteLength(text) })
  response.end(text)
}

const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  const origin = `http://${request.headers.host}`
  const url = request.url ?? ''
  request.resume()
  request.once('end', () => {
    if (request.method === 'POST' && url === '/token') {
      calls.token++
      return answer(response, 200, { access_token: 'stub-access-token', token_type: 'Bearer', expires_in: 3600 })
    }
    if (request.method === 'GET' && url === '/exchange-partners') {
      calls.partners++
      return answer(response, 200, {
        _links: { self: { href: `${origin}/exchange-partners` } },
        _embedded: {
          'exchange-partners': Object.entries(PARTNER_IDS).map(([name, id]) => ({
            _links: { self: { href: `${origin}/exchange-partners/${id}` } }, id, name, status: 'active', created: '2022-05-05T00:00:00.000Z'
          }))
        },
        total: 3
      })
    }
    if (request.method === 'POST' && /^\/customers\/[^/]+\/exchange-sessions$/.test(url)) {
      calls.sessions++
      return answer(response, 201, undefined, { location: `${origin}/exchange-sessions/${randomUUID()}` })
    }
    if (request.method === 'GET' && url.startsWith('/exchange-sessions/')) {
      calls.retrieved++
      return answer(response, 200, {
        _links: {
          self: { href: `${origin}${url}` },
          'exchange-partner': { href: `${origin}/exchange-partners/${PARTNER_IDS.MX}` },
          'external-provider-session': { href: `https://int-widgets.moneydesktop.com/md/connect/${url.slice(19)}` }
        },
        created: '2024-01-01T00:00:00.000Z'
      })
    }
    if (request.method === 'GET' && url === '/__calls') return answer(response, 200, calls)
    answer(response, 404, { code: 'NotFound', message: 'The requested resource was not found.' })
  })
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT), '127.0.0.1')
