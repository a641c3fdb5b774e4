import t from 'tap'
import { randomUUID } from 'node:crypto'
import { REDIRECTS, startStack } from './support/stack.js'
import { partnerFlows } from './support/partner-flows.js'

// Free text sent on to Dwolla refuses controls and bidirectional formatting characters, which can
// hide or reorder what Dwolla, its partners and the customer see (a "Checking" that reads otherwise).

const REFUSED = {
  NUL: '\u0000', TAB: '\t', LF: '\n', ESC: '\u001B', DEL: '\u007F', NEL: '\u0085', 'C1 end': '\u009F',
  LRE: '\u202A', RLO: '\u202E', LRI: '\u2066', PDI: '\u2069'
}
const MESSAGE = 'must not contain control characters or bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069)'

async function listening (t: Parameters<typeof startStack>[0]) {
  const stack = await startStack(t)
  const baseUrl = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  const post = async (path: string, body: object) => {
    const response = await fetch(`${baseUrl}/v1/customers/${stack.customerId}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
    })
    return { status: response.status, body: await response.json() as { code: string, errors?: Array<{ path: string, message: string }> } }
  }
  return { ...stack, post }
}

t.test('a funding-source name with a control or bidirectional character is a 400 naming /name; Dwolla sees nothing', async (t) => {
  const { post, sim } = await listening(t)
  for (const [label, character] of Object.entries(REFUSED)) {
    const response = await post('/funding-sources', { partner: 'visa', exchangeId: randomUUID(), name: `Chec${character}king`, bankAccountType: 'checking' })
    t.equal(response.status, 400, label)
    t.same(response.body.errors, [{ path: '/name', message: MESSAGE }], label)
    t.equal(response.body.code, 'VALIDATION_ERROR')
  }
  t.same(sim.calls, [], 'nothing reached Dwolla')
})

t.test("the partners' tokens and the redirect URL refuse them too", async (t) => {
  const { post, sim } = await listening(t)
  const cases = [
    { path: '/funding-sources', body: { partner: 'plaid', publicToken: 'public-\u202Esandbox', name: 'Checking', bankAccountType: 'checking' }, field: '/publicToken' },
    { path: '/funding-sources', body: { partner: 'mx', availableConnectionToken: 'eyJ\u0000', name: 'Checking', bankAccountType: 'checking' }, field: '/availableConnectionToken' },
    { path: '/exchange-sessions', body: { partner: 'visa', redirectUrl: `${REDIRECTS.visa}\u2066` }, field: '/redirectUrl' },
    { path: `/exchanges/${randomUUID()}/exchange-sessions`, body: { redirectUrl: `${REDIRECTS.visa}\r\n` }, field: '/redirectUrl' }
  ]
  for (const { path, body, field } of cases) {
    const response = await post(path, body)
    t.equal(response.status, 400, field)
    t.same(response.body.errors, [{ path: field, message: MESSAGE }], field)
  }
  t.same(sim.calls, [], 'nothing reached Dwolla')
})

t.test('other Unicode is a name like any other', async (t) => {
  const stack = await listening(t)
  const { visaExchange } = partnerFlows(stack)
  const name = 'Zoë – Épargne 日本 💰 ‎مدخرات'
  const response = await stack.post('/funding-sources', { partner: 'visa', exchangeId: await visaExchange(), name, bankAccountType: 'savings' })
  t.equal(response.status, 201)
  t.match(response.body, { name })
})
