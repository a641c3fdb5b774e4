// The way Dwolla's guides build it, improved by caching the partner list: Express 5 and the
// dwolla-v2 client, the same two Dwolla calls per request. No auth, logs or limits: like the
// baseline, a floor for its stack, not a like-for-like service.
// Env: PORT, DWOLLA_API_URL, DWOLLA_KEY, DWOLLA_SECRET.
import { randomUUID } from 'node:crypto'
import express from 'express'
import dwollaV2 from 'dwolla-v2'

const env = (name: string) => process.env[name] ?? ''
const dwolla = new dwollaV2.Client({ key: env('DWOLLA_KEY'), secret: env('DWOLLA_SECRET'), environment: 'sandbox' })
// The client knows only Dwolla's hosts; the bench points it at its stand-in.
Object.assign(dwolla, { apiUrl: env('DWOLLA_API_URL'), tokenUrl: `${env('DWOLLA_API_URL')}/token` })

interface Partner { name: string, _links: { self: { href: string } } }
const { body: list } = await dwolla.get('exchange-partners')
const partners = (list as { _embedded: { 'exchange-partners': Partner[] } })._embedded['exchange-partners']
const partnerHref = new Map(partners.map(({ name, _links }) => [name.toLowerCase(), _links.self.href]))

const app = express()
app.use(express.json())
app.post('/v1/customers/:customerId/exchange-sessions', async (request, response) => {
  const created = await dwolla.post(`customers/${request.params.customerId}/exchange-sessions`, {
    _links: { 'exchange-partner': { href: partnerHref.get(request.body.partner) } }
  }, { 'Idempotency-Key': randomUUID() })
  const { body: session } = await dwolla.get(created.headers.get('location'))
  const { _links: links } = session as { _links: { 'external-provider-session': { href: string } } }
  response.status(201).set('cache-control', 'no-store')
    .json({ partner: request.body.partner, exchangeSessionUrl: links['external-provider-session'].href })
})
app.listen(Number(env('PORT')), '127.0.0.1')
