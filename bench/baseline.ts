// The ceiling the service is measured against: node:http, one undici Pool, a cached token and
// partner href, and the same two Dwolla calls per request. Nothing else: no auth, no validation.
// Env: PORT, DWOLLA_API_URL, DWOLLA_KEY, DWOLLA_SECRET.
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { Pool } from 'undici'

const HAL = 'application/vnd.dwolla.v1.hal+json'
const env = (name: string) => process.env[name] ?? ''
const apiUrl = env('DWOLLA_API_URL')
// Configured as the service's Dwolla transport is (src/dwolla/transport.ts, DWOLLA_CONNECTIONS).
const pool = new Pool(apiUrl, { connections: 64, pipelining: 1 })

const tokenResponse = await pool.request({
  method: 'POST', path: '/token', body: 'grant_type=client_credentials',
  headers: {
    authorization: `Basic ${Buffer.from(`${env('DWOLLA_KEY')}:${env('DWOLLA_SECRET')}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded'
  }
})
const { access_token: token } = await tokenResponse.body.json() as { access_token: string }
const auth = { authorization: `Bearer ${token}`, accept: HAL }
const partners = await (await pool.request({ method: 'GET', path: '/exchange-partners', headers: auth })).body.json() as {
  _embedded: { 'exchange-partners': Array<{ name: string, _links: { self: { href: string } } }> }
}
const mx = partners._embedded['exchange-partners'].find(({ name }) => name.toLowerCase() === 'mx')?._links.self.href
const sessionBody = JSON.stringify({ _links: { 'exchange-partner': { href: mx } } })

createServer((request, response) => {
  if (request.method !== 'POST') return response.writeHead(404).end()
  request.resume()
  request.on('end', async () => {
    const customerId = request.url?.split('/')[3] ?? ''
    const created = await pool.request({
      method: 'POST', path: `/customers/${customerId}/exchange-sessions`, body: sessionBody,
      headers: { ...auth, 'content-type': HAL, 'idempotency-key': randomUUID() }
    })
    await created.body.dump()
    const location = new URL(String(created.headers.location))
    const session = await pool.request({ method: 'GET', path: location.pathname, headers: auth })
    const { _links: links } = await session.body.json() as { _links: { 'external-provider-session': { href: string } } }
    response.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    response.end(JSON.stringify({ partner: 'mx', exchangeSessionUrl: links['external-provider-session'].href }))
  })
}).listen(Number(env('PORT')), '127.0.0.1')
