import { runInNewContext } from 'node:vm'
import type { Test } from 'tap'
import t from 'tap'
import { accessToken, createSession, getHal, partnerHref, postHal, simulator } from '../../support/simulator.js'

const SCRIPT = '/simulator/plaid/link-initialize.js'

/** Just the DOM the script touches, so that it runs outside a browser. */
class FakeElement {
  children: FakeElement[] = []
  parent: FakeElement | undefined
  style: Record<string, string> = {}
  attributes: Record<string, string> = {}
  textContent = ''
  type = ''
  private listeners = new Map<string, () => void>()
  constructor (readonly tagName: string) {}
  setAttribute (name: string, value: string) { this.attributes[name] = value }
  addEventListener (type: string, listener: () => void) { this.listeners.set(type, listener) }
  append (...nodes: FakeElement[]) {
    for (const node of nodes) node.parent = this
    this.children.push(...nodes)
  }
  remove () {
    this.parent!.children = this.parent!.children.filter((child) => child !== this)
  }
  click () { this.listeners.get('click')!() }
  find (text: string): FakeElement | undefined {
    if (this.textContent === text) return this
    for (const child of this.children) {
      const found = child.find(text)
      if (found) return found
    }
    return undefined
  }
}

interface Handler { open (): void; exit (): void; destroy (): void }
interface Plaid { create (config: { token: string; onSuccess: (token: string, metadata: unknown) => void; onExit?: (error: unknown, metadata: unknown) => void }): Handler }

/** Runs the served script in a page whose body and fetch the test controls. */
async function page (address: string, fetcher: typeof fetch = fetch) {
  const script = await (await fetch(`${address}${SCRIPT}`)).text()
  const body = new FakeElement('body')
  const window: { Plaid?: Plaid } = {}
  runInNewContext(script, {
    window,
    document: { currentScript: { src: `${address}${SCRIPT}` }, createElement: (tag: string) => new FakeElement(tag), body },
    fetch: fetcher,
    URL
  })
  return { body, Plaid: window.Plaid! }
}

async function setup (t: Test) {
  const app = await simulator(t)
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const token = await accessToken(app)
  const customerId = app.sim.createCustomer()
  const plaid = await partnerHref(app, token, 'Plaid')
  const created = await createSession(app, token, customerId, { 'exchange-partner': { href: plaid } })
  const linkToken: string = (await getHal(app, token, created.headers.location as string)).json().externalProviderSessionToken
  return { app, address, token, customerId, plaid, linkToken }
}

t.test('the script is served as JavaScript to any origin, with no HTML parsing or external assets', async (t) => {
  const app = await simulator(t)
  const response = await app.inject({ method: 'GET', url: SCRIPT })
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], 'text/javascript; charset=utf-8')
  t.equal(response.headers['access-control-allow-origin'], '*')
  t.equal(response.headers['cross-origin-resource-policy'], 'cross-origin')
  t.equal(response.headers['x-content-type-options'], 'nosniff')
  t.match(response.body, 'window.Plaid')
  t.notMatch(response.body, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|https?:\/\/|eval\(/)
  t.same(app.sim.calls, [], 'not a Dwolla API call')
})

t.test('Continue: onSuccess receives a public token that creates the customer\'s exchange once', async (t) => {
  const { app, address, token, customerId, plaid, linkToken } = await setup(t)
  const { body, Plaid } = await page(address)
  const success = new Promise<[string, { accounts: Array<{ name: string }>; institution: { name: string } }]>((resolve) => {
    const handler = Plaid.create({ token: linkToken, onSuccess: (...args) => resolve(args as never), onExit: () => t.fail('no exit') })
    handler.open()
    handler.open()
  })
  t.equal(body.children.length, 1, 'one overlay however often open() is called')
  t.equal(body.children[0]!.attributes.role, 'dialog')
  t.ok(body.find('Connect your bank with Plaid'))
  body.find('Continue')!.click()
  const [publicToken, metadata] = await success
  t.equal(body.children.length, 0, 'the overlay is gone')
  t.match(publicToken, /^public-sandbox-[0-9a-f-]{36}$/)
  t.match(metadata, { institution: { name: 'Simulated Bank' }, accounts: [{ name: 'Checking', subtype: 'checking' }] })

  const exchange = () => postHal(app, token, `/customers/${customerId}/exchanges`, { _links: { 'exchange-partner': { href: plaid } }, plaid: { publicToken } })
  t.equal((await exchange()).statusCode, 201)
  t.equal((await exchange()).statusCode, 401)
})

t.test('Cancel: onExit(null, metadata) and the session stays open', async (t) => {
  const { address, linkToken } = await setup(t)
  const { body, Plaid } = await page(address)
  const exits: unknown[][] = []
  const handler = Plaid.create({ token: linkToken, onSuccess: () => t.fail('no success'), onExit: (...args) => exits.push(args) })
  handler.open()
  body.find('Cancel')!.click()
  t.same(exits, [[null, { status: 'requires_credentials', institution: null, link_session_id: null, request_id: null }]])
  t.equal(body.children.length, 0)
  handler.open()
  handler.exit()
  t.same(exits[1], [null, { status: null, institution: null, link_session_id: null, request_id: null }])
  handler.open()
  handler.destroy()
  t.equal(body.children.length, 0)
  t.equal(exits.length, 2, 'destroy() does not call onExit')
})

t.test('a used link token ends in onExit with Plaid\'s INVALID_LINK_TOKEN', async (t) => {
  const { address, linkToken } = await setup(t)
  t.equal((await fetch(`${address}/simulator/plaid/link/${linkToken}/approve`, { method: 'POST' })).status, 200)
  const { body, Plaid } = await page(address)
  const exit = new Promise<unknown[]>((resolve) => {
    Plaid.create({ token: linkToken, onSuccess: () => t.fail('no success'), onExit: (...args) => resolve(args) }).open()
  })
  body.find('Continue')!.click()
  const [error] = await exit
  t.same(error, { error_type: 'INVALID_INPUT', error_code: 'INVALID_LINK_TOKEN', error_message: 'invalid link_token provided', display_message: null })
})

t.test('a network failure ends in onExit with an API_ERROR', async (t) => {
  const { address, linkToken } = await setup(t)
  const { body, Plaid } = await page(address, async () => { throw new TypeError('fetch failed') })
  const exit = new Promise<unknown[]>((resolve) => {
    Plaid.create({ token: linkToken, onSuccess: () => t.fail('no success'), onExit: (...args) => resolve(args) }).open()
  })
  body.find('Continue')!.click()
  const [error] = await exit
  t.match(error, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR', error_message: 'TypeError: fetch failed' })
})

t.test('approve answers any origin; an unknown link token is INVALID_LINK_TOKEN', async (t) => {
  const { app, linkToken } = await setup(t)
  const unknown = await app.inject({ method: 'POST', url: '/simulator/plaid/link/link-sandbox-unknown/approve' })
  t.equal(unknown.statusCode, 400)
  t.equal(unknown.headers['access-control-allow-origin'], '*')
  t.equal(unknown.json().error_code, 'INVALID_LINK_TOKEN')
  const approved = await app.inject({ method: 'POST', url: `/simulator/plaid/link/${linkToken}/approve`, headers: { origin: 'http://localhost:5173' } })
  t.equal(approved.statusCode, 200)
  t.equal(approved.headers['access-control-allow-origin'], '*')
})
