import { mkdtemp, rm } from 'node:fs/promises'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { startStack } from '../helpers.js'

// Debian's chromium (.ci/run installs it): nothing is downloaded.
const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'
]
/** Where the screenshots go, to look at after a run. */
const SCREENSHOTS = join(tmpdir(), 'dwolla-bff-demo')

/** A port nothing listens on now, so the registered demo callback can name it before the service listens. */
async function freePort () {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  server.close()
  await once(server, 'close')
  return port
}

const port = await freePort()
// No REDIRECT_URLS: the simulator-mode default, the demo's callback on this PORT, is registered.
const { app } = await startStack(t, { PORT: String(port), REDIRECT_URLS: '' })
await app.listen({ port, host: '127.0.0.1' })
const origin = `http://localhost:${port}`

const userDataDir = await mkdtemp(join(tmpdir(), 'chromium-profile-'))
const browser = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
t.teardown(async () => {
  await browser.close()
  await rm(userDataDir, { recursive: true, force: true })
})
const consoleErrors: string[] = []
const watch = (page: Page) => {
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(`${message.location().url}: ${message.text()}`) })
  page.on('pageerror', (error) => { consoleErrors.push(`${page.url()}: ${error.message}`) })
}
browser.on('page', watch)
const page = browser.pages()[0] ?? await browser.newPage()
watch(page)

/** Console errors since the last look: a page that works logs none. */
const noConsoleErrors = (t: Test) => t.same(consoleErrors.splice(0), [], 'no console error')

const connect = async (partner: string) => {
  await page.goto(`${origin}/`)
  await page.getByRole('button', { name: `Connect with ${partner}` }).click()
}

t.test('Visa: the user approves at the bank and lands on the callback with an exchange id', async (t) => {
  await connect('Visa')
  await page.waitForURL(/\/simulator\/bank\//)
  await page.getByRole('button', { name: 'Approve' }).click()
  await page.waitForURL(`${origin}/demo/callback?exchange=*`)
  const exchangeId = new URL(page.url()).searchParams.get('exchange') as string
  t.match(exchangeId, /^[0-9a-f-]{36}$/)
  await page.getByRole('heading', { name: 'Bank approved' }).waitFor()
  t.ok(await page.getByText(exchangeId, { exact: true }).isVisible(), 'the exchange id is shown')
  await page.screenshot({ path: join(SCREENSHOTS, 'visa-callback.png'), fullPage: true })
  noConsoleErrors(t)
})

t.test('Visa: the user cancels and the callback says so', async (t) => {
  await connect('Visa')
  await page.getByRole('button', { name: 'Cancel' }).click()
  await page.waitForURL(`${origin}/demo/callback?error=USER_CANCELLED`)
  await page.getByRole('heading', { name: 'No bank was connected' }).waitFor()
  t.ok(await page.getByText('USER_CANCELLED', { exact: true }).isVisible())
  noConsoleErrors(t)
})

t.test('Plaid: the page shows the Link token and what a real app does with it', async (t) => {
  await connect('Plaid')
  const token = page.getByText(/^link-sandbox-/)
  await token.waitFor()
  t.match(await token.textContent(), /^link-sandbox-[0-9a-f-]{36}$/)
  t.ok(await page.getByText('Plaid.create', { exact: false }).isVisible())
  await page.screenshot({ path: join(SCREENSHOTS, 'plaid.png'), fullPage: true })
  noConsoleErrors(t)
})

t.test('MX: the user connects in a new tab, and the demo page stays', async (t) => {
  await connect('MX')
  const [mx] = await Promise.all([browser.waitForEvent('page'), page.getByRole('link', { name: 'Open MX Connect' }).click()])
  await mx.getByRole('button', { name: 'Approve' }).click()
  await mx.getByRole('heading', { name: 'Bank connected' }).waitFor()
  t.equal(new URL(page.url()).pathname, '/', 'the demo is still there to return to')
  await mx.close()
  noConsoleErrors(t)
})

t.test('a failing call shows its problem details readably', async (t) => {
  await page.goto(`${origin}/`)
  await page.getByRole('button', { name: 'Send a request that fails' }).click()
  await page.getByRole('heading', { name: '400 · A redirect URL is required' }).waitFor()
  t.ok(await page.getByText('REDIRECT_URL_REQUIRED', { exact: true }).isVisible())
  await page.screenshot({ path: join(SCREENSHOTS, 'problem.png'), fullPage: true })
  const [failedFetch, ...others] = consoleErrors.splice(0)
  t.match(failedFetch, /\/exchange-sessions: Failed to load resource: .* 400/, 'Chromium notes the 400 itself')
  t.same(others, [], 'and nothing else')
})

t.test('Swagger UI at /docs renders the contract', async (t) => {
  await page.goto(`${origin}/docs`)
  await page.getByText('/v1/customers/{customerId}/exchange-sessions').waitFor()
  t.ok(await page.getByText('Start verifying a customer\'s bank account').isVisible())
  await page.screenshot({ path: join(SCREENSHOTS, 'docs.png') })
  noConsoleErrors(t)
})
