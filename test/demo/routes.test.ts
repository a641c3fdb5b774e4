import t from 'tap'
import { startStack } from '../support/stack.js'

const policy = (header: unknown) => Object.fromEntries(String(header).split('; ').map((directive) => {
  const [name, ...sources] = directive.split(' ')
  return [name, sources.join(' ')]
}))

t.test("the start page may load Plaid Link's script and post its approval to the simulator, and nothing more", async (t) => {
  const { app, simulator } = await startStack(t)
  const simulatorUrl = `http://127.0.0.1:${(simulator.server.address() as { port: number }).port}`

  const start = policy((await app.inject({ method: 'GET', url: '/' })).headers['content-security-policy'])
  t.same(start, {
    'default-src': "'self'",
    'base-uri': "'none'",
    'form-action': "'none'",
    'frame-ancestors': "'none'",
    'script-src': `'self' ${simulatorUrl}`,
    'connect-src': `'self' ${simulatorUrl}`
  })
  const callback = policy((await app.inject({ method: 'GET', url: '/demo/callback' })).headers['content-security-policy'])
  t.notOk('script-src' in callback || 'connect-src' in callback, "Visa's callback loads nothing from the simulator")

  const { plaidLinkScript } = (await app.inject({ method: 'GET', url: '/demo/config.json' })).json()
  t.equal(plaidLinkScript, `${simulatorUrl}/simulator/plaid/link-initialize.js`)
  const script = await fetch(plaidLinkScript)
  t.match(script.headers.get('content-type'), /^text\/javascript/)
  t.match(await script.text(), /window\.Plaid = \{/)
})

t.test('behind SIMULATOR_PUBLIC_URL the demo names the origin browsers reach the simulator at', async (t) => {
  const { app } = await startStack(t, { env: { SIMULATOR_PUBLIC_URL: 'https://simulator.example.test/' } })
  const page = await app.inject({ method: 'GET', url: '/' })
  t.equal(policy(page.headers['content-security-policy'])['script-src'], "'self' https://simulator.example.test")
  const config = (await app.inject({ method: 'GET', url: '/demo/config.json' })).json()
  t.equal(config.plaidLinkScript, 'https://simulator.example.test/simulator/plaid/link-initialize.js')
})
