import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.js'
import { createLogger } from '../../src/logger.js'
import { buildSimulator } from '../../src/simulator/app.js'
import { REDIRECTS, startStack, testConfig } from '../support/stack.js'
import { captureLogs } from '../support/logs.js'

// The app opens exchangeSessionUrl as it comes: only a web page may reach it.

const RETRIEVE_SESSION = '/exchange-sessions/:id'

/** POSTs JSON to the listening service. */
async function post (url: string, body: object) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.status, text: await response.text() }
}

t.test('simulator mode: a session URL that is not a web page is a 502 UPSTREAM_ERROR, logged with the operation', async (t) => {
  const { app, sim, logs, customerId } = await startStack(t)
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  const hrefs = [
    'javascript:alert(document.cookie)',
    'data:text/html,<script>alert(1)</script>',
    '/simulator/bank/relative',
    '//evil.example.com/bank',
    'http://evil.example.com/bank',
    'https://'
  ]
  for (const href of hrefs) {
    sim.fault({ method: 'GET', route: RETRIEVE_SESSION, status: 200, body: { _links: { 'external-provider-session': { href } } } })
    const response = await post(`${baseUrl}/v1/customers/${customerId}/exchange-sessions`, { partner: 'mx' })
    t.equal(response.status, 502, href)
    t.match(JSON.parse(response.text), { code: 'UPSTREAM_ERROR', detail: 'Dwolla answered unexpectedly.' })
    t.notOk(response.text.includes(href), 'the URL is not handed on')
  }
  const failures = logs.records().filter((record) => record.msg === 'request failed')
  t.equal(failures.length, hrefs.length)
  t.match(failures[0], { code: 'UPSTREAM_ERROR', err: { operation: 'retrieveExchangeSession', reason: 'the exchange-session URL is not a web page', scheme: 'javascript:' } })
  t.match(failures[2], { err: { scheme: 'relative' } })
  t.match(failures[4], { err: { scheme: 'http:' } })
  t.match(failures[5], { err: { scheme: 'relative' } }, 'https:// with no host is no URL at all')

  sim.fault({ method: 'GET', route: RETRIEVE_SESSION, status: 200, body: { _links: { 'external-provider-session': { href: 'https://bank.example.com/s/1' } } } })
  const https = await post(`${baseUrl}/v1/customers/${customerId}/exchange-sessions`, { partner: 'visa', redirectUrl: REDIRECTS.visa })
  t.equal(https.status, 201)
  t.same(JSON.parse(https.text), { partner: 'visa', exchangeSessionUrl: 'https://bank.example.com/s/1' }, 'an https: page is handed on')
  const own = JSON.parse((await post(`${baseUrl}/v1/customers/${customerId}/exchange-sessions`, { partner: 'mx' })).text)
  t.match(own.exchangeSessionUrl, /^http:\/\/127\.0\.0\.1:\d+\/simulator\/bank\//, "the simulator's own pages, in simulator mode")
})

t.test('a re-auth session is checked the same way', async (t) => {
  const { app, sim, customerId } = await startStack(t)
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  const approve = async (exchangeSessionUrl: string) => {
    const page = await (await fetch(exchangeSessionUrl)).text()
    const action = /<form method="post" action="([^"]+\/approve)">/.exec(page)?.[1] as string
    const redirect = await fetch(new URL(action, exchangeSessionUrl), { method: 'POST', redirect: 'manual' })
    return new URL(redirect.headers.get('location') as string).searchParams.get('exchange') as string
  }
  const session = JSON.parse((await post(`${baseUrl}/v1/customers/${customerId}/exchange-sessions`, { partner: 'visa', redirectUrl: REDIRECTS.visa })).text)
  const exchangeId = await approve(session.exchangeSessionUrl)
  sim.fault({ method: 'GET', route: RETRIEVE_SESSION, status: 200, body: { _links: { 'external-provider-session': { href: 'javascript:void 0' } } } })
  const response = await post(`${baseUrl}/v1/customers/${customerId}/exchanges/${exchangeId}/exchange-sessions`, { redirectUrl: REDIRECTS.visa })
  t.equal(response.status, 502)
  t.match(JSON.parse(response.text), { code: 'UPSTREAM_ERROR' })
})

/** The service configured for Dwolla's sandbox, against a simulator standing in for Dwolla. */
async function sandboxAgainst (t: Test, { publicUrl, servicePublicUrl }: { publicUrl?: string, servicePublicUrl?: string } = {}) {
  const credentials = { key: 'sandbox-key', secret: 'sandbox-secret' }
  const simulator = await buildSimulator({ credentials, registeredRedirects: [], ...(publicUrl !== undefined && { publicUrl }) })
  t.teardown(() => simulator.close())
  const apiUrl = await simulator.listen({ port: 0, host: '127.0.0.1' })
  const config = testConfig({ DWOLLA_KEY: credentials.key, DWOLLA_SECRET: credentials.secret, DWOLLA_ENV: 'sandbox', AUTH_MODE: 'none', SIMULATOR_PUBLIC_URL: servicePublicUrl })
  const app = await buildApp({ ...config, dwolla: { ...config.dwolla, apiUrl } }, { logger: createLogger('silent', captureLogs().stream) })
  t.teardown(() => app.close())
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  return post(`${baseUrl}/v1/customers/${simulator.sim.createCustomer()}/exchange-sessions`, { partner: 'mx' })
}

t.test('outside simulator mode only https: goes to the app, whatever origin the API has', async (t) => {
  const plain = await sandboxAgainst(t)
  t.equal(plain.status, 502, "http: pages on the API's own origin are not the simulator's in sandbox mode")
  t.match(JSON.parse(plain.text), { code: 'UPSTREAM_ERROR' })
  const selfHosted = await sandboxAgainst(t, { publicUrl: 'http://localhost:3001', servicePublicUrl: 'http://localhost:3001' })
  t.equal(selfHosted.status, 201, "a self-hosted simulator's pages, named by SIMULATOR_PUBLIC_URL, as in the compose stack")
  t.match(JSON.parse(selfHosted.text), { exchangeSessionUrl: /^http:\/\/localhost:3001\/simulator\/bank\// })
  const https = await sandboxAgainst(t, { publicUrl: 'https://bank.example.com' })
  t.equal(https.status, 201)
  t.match(JSON.parse(https.text), { partner: 'mx', exchangeSessionUrl: /^https:\/\/bank\.example\.com\/simulator\/bank\// })
})
