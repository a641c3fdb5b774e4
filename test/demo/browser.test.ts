import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { startStack } from '../support/stack.js'

// Debian's chromium (npm test's pretest installs it): nothing is downloaded.
const CHROMIUM = '/usr/bin/chromium'
if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is not installed: apt-get install chromium (as root), then run npm test again`)
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
// Subscribed to the simulator's webhooks as `npm start` is, so revoking access reaches the page live.
const { app, sim, simulator, customerId } = await startStack(t, { env: { PORT: String(port), REDIRECT_URLS: '' }, subscribeWebhooks: true })
await app.listen({ port, host: '127.0.0.1' })
const origin = `http://localhost:${port}`
const simulatorOrigin = `http://127.0.0.1:${(simulator.server.address() as AddressInfo).port}`

/** What GET …/bank-links tells an app about the exchange: does it need re-authentication? */
async function reauthRequired (exchangeId: string) {
  const { bankLinks } = (await app.inject({ method: 'GET', url: `/v1/customers/${customerId}/bank-links` })).json()
  return bankLinks.find((link: { exchangeId: string }) => link.exchangeId === exchangeId)?.reauthRequired
}

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

/**
 * Closes a tab without waiting forever: Chromium can drop a close that races a navigation's commit
 * (crbug.com/536385539, microsoft/playwright#42068), and the context's close at teardown ends it anyway.
 */
const closeTab = (tab: Page) => Promise.race([tab.close(), new Promise((resolve) => setTimeout(resolve, 5000).unref())])

/** Console errors since the last look: a page that works logs none. */
const noConsoleErrors = (t: Test) => t.same(consoleErrors.splice(0), [], 'no console error')

const connect = async (partner: string) => {
  await page.goto(`${origin}/`)
  await page.getByRole('button', { name: `Connect with ${partner}` }).click()
}

/** The user names the account and links it: the page shows "Bank linked" and the funding source's id. */
async function linkBank (t: Test, screenshot: string) {
  await page.getByRole('button', { name: 'Link this bank' }).click()
  await page.getByRole('heading', { name: 'Bank linked' }).waitFor()
  const fundingSourceId = await page.locator('dt:text-is("fundingSourceId") + dd').textContent()
  t.match(fundingSourceId, /^[0-9a-f-]{36}$/, 'the funding source id is shown')
  t.ok(await page.getByText('SANDBOX TEST BANK is a verified funding source', { exact: false }).isVisible(), 'and the bank')
  await page.screenshot({ path: join(SCREENSHOTS, screenshot), fullPage: true })
  return fundingSourceId
}

/** Chromium notes a failed fetch itself; anything else is a fault of the page. */
function onlyTheFailedFetch (t: Test, path: RegExp, status: number) {
  const [failedFetch, ...others] = consoleErrors.splice(0)
  t.match(failedFetch, new RegExp(`${path.source}: Failed to load resource: .* ${status}`), 'Chromium notes the failed fetch itself')
  t.same(others, [], 'and nothing else')
}

t.test('Visa: approved at the bank, back on the callback, the exchange becomes a funding source', async (t) => {
  const before = sim.count('fundingSources')
  await connect('Visa')
  await page.waitForURL(/\/simulator\/bank\//)
  await page.getByRole('button', { name: 'Approve' }).click()
  await page.waitForURL(`${origin}/demo/callback?exchange=*`)
  const exchangeId = new URL(page.url()).searchParams.get('exchange') as string
  t.match(exchangeId, /^[0-9a-f-]{36}$/)
  await page.getByRole('heading', { name: 'Bank approved' }).waitFor()
  t.ok(await page.getByText(exchangeId, { exact: true }).isVisible(), 'the exchange id is shown')
  t.equal(await page.getByLabel('Name').inputValue(), 'Demo – Checking')
  await page.screenshot({ path: join(SCREENSHOTS, 'visa-callback.png'), fullPage: true })
  await linkBank(t, 'visa-linked.png')
  t.equal(sim.count('fundingSources'), before + 1)
  noConsoleErrors(t)

  await page.reload()
  await page.getByRole('button', { name: 'Link this bank' }).click()
  await page.getByRole('heading', { name: '409 · The bank is already a funding source' }).waitFor()
  t.ok(await page.getByText('FUNDING_SOURCE_EXISTS', { exact: true }).isVisible(), 'a second try is a readable problem')
  t.ok(await page.getByRole('button', { name: 'Link this bank' }).isEnabled(), 'beside the form, to try again')
  await page.screenshot({ path: join(SCREENSHOTS, 'visa-exists.png'), fullPage: true })
  onlyTheFailedFetch(t, /\/funding-sources/, 409)
})

/** "Check balance" shows the bank's closing balance. */
async function checkBalance (t: Test, screenshot: string) {
  await page.getByRole('button', { name: 'Check balance' }).click()
  const closing = page.locator('dt:text-is("closing") + dd')
  await closing.waitFor()
  t.match(await closing.textContent(), /^\d+\.\d{2} USD$/, 'the balance is shown')
  await page.screenshot({ path: join(SCREENSHOTS, screenshot), fullPage: true })
}

/** The user revokes access on their bank's own page, in a tab of its own. */
async function revokeAccess (exchangeId: string) {
  const bankPage = await browser.newPage()
  await bankPage.goto(`${simulatorOrigin}/simulator/bank/exchanges/${exchangeId}`)
  await bankPage.getByRole('button', { name: 'Revoke access' }).click()
  await bankPage.getByRole('heading', { name: 'Access revoked' }).waitFor()
  await closeTab(bankPage)
}

/** The user revokes access at the bank; the demo page, untouched, offers to reconnect. */
async function revokeAtTheBank (exchangeId: string, screenshot: string) {
  await page.getByText('Listening for bank-link events.').waitFor()
  await revokeAccess(exchangeId)
  const reconnect = page.getByRole('button', { name: 'Reconnect your bank' })
  await reconnect.waitFor()
  await page.screenshot({ path: join(SCREENSHOTS, screenshot), fullPage: true })
  return reconnect
}

t.test('Visa: the balance, access revoked at the bank, "Reconnect your bank" live, re-authenticated, the balance again', async (t) => {
  await connect('Visa')
  await page.getByRole('button', { name: 'Approve' }).click()
  await page.waitForURL(`${origin}/demo/callback?exchange=*`)
  const exchangeId = new URL(page.url()).searchParams.get('exchange') as string
  const fundingSourceId = await linkBank(t, 'visa-linked-for-balance.png')
  await checkBalance(t, 'visa-balance.png')

  const navigations: string[] = []
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) navigations.push(frame.url()) })
  const reconnect = await revokeAtTheBank(exchangeId, 'reconnect-live.png')
  t.same(navigations, [], 'the page showed it without a reload')
  t.equal(await reauthRequired(exchangeId), true, 'the bank links say so too')

  await reconnect.click()
  await page.waitForURL(/\/simulator\/bank\//)
  await page.getByRole('button', { name: 'Approve' }).click()
  await page.waitForURL(`${origin}/demo/callback?exchange=${exchangeId}`)
  await page.getByRole('heading', { name: 'Bank reconnected' }).waitFor()
  t.ok(await page.getByText(fundingSourceId as string, { exact: false }).isVisible(), 'the same funding source, nothing linked anew')
  await checkBalance(t, 'balance-after-reauth.png')
  t.equal(await reauthRequired(exchangeId), false, 'and the mark is cleared')
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

t.test("Plaid: Link opens in the page from the simulator's script, and its public token becomes a funding source", async (t) => {
  await connect('Plaid')
  const link = page.getByRole('dialog')
  await link.getByRole('heading', { name: 'Connect your bank with Plaid' }).waitFor()
  await page.screenshot({ path: join(SCREENSHOTS, 'plaid-link.png'), fullPage: true })
  await link.getByRole('button', { name: 'Continue' }).click()
  await page.getByRole('heading', { name: 'Bank approved in Plaid Link' }).waitFor()
  t.ok(await page.getByText('Simulated Bank', { exact: true }).isVisible(), "Link's metadata names the institution")
  await page.screenshot({ path: join(SCREENSHOTS, 'plaid-approved.png'), fullPage: true })
  await linkBank(t, 'plaid-linked.png')
  noConsoleErrors(t)
})

t.test('Plaid: the balance, access revoked at the bank, "Reconnect your bank" live, re-authenticated in Link, the balance again', async (t) => {
  await connect('Plaid')
  await page.getByRole('dialog').getByRole('button', { name: 'Continue' }).click()
  await linkBank(t, 'plaid-linked-for-balance.png')
  const exchangeId = await page.locator('dt:text-is("exchangeId") + dd').textContent() as string
  await checkBalance(t, 'plaid-balance.png')

  const reconnect = await revokeAtTheBank(exchangeId, 'plaid-reconnect-live.png')
  await reconnect.click()
  await page.getByRole('dialog').getByRole('button', { name: 'Continue' }).click()
  await page.getByText('Reconnected in Plaid Link: check the balance again.').waitFor()
  t.ok(await page.getByRole('heading', { name: 'Bank linked' }).isVisible(), 'on the page that linked it, nothing linked anew')
  await checkBalance(t, 'plaid-balance-after-reauth.png')
  t.equal(await reauthRequired(exchangeId), false, 'and the mark is cleared')
  noConsoleErrors(t)
})

t.test('Plaid: with the live events blocked, a balance check answering REAUTH_REQUIRED offers "Reconnect your bank"', async (t) => {
  // As behind a proxy that drops event streams: the page never hears of the revocation.
  await page.route('**/events', (route) => route.abort())
  t.teardown(() => page.unroute('**/events'))
  await connect('Plaid')
  await page.getByRole('dialog').getByRole('button', { name: 'Continue' }).click()
  await linkBank(t, 'plaid-linked-no-events.png')
  const exchangeId = await page.locator('dt:text-is("exchangeId") + dd').textContent() as string
  await revokeAccess(exchangeId)
  t.notOk(await page.getByRole('button', { name: 'Reconnect your bank' }).isVisible(), 'nothing live to show it')

  await page.getByRole('button', { name: 'Check balance' }).click()
  await page.getByRole('heading', { name: '409 · The bank connection needs re-authentication' }).waitFor()
  const reconnect = page.getByRole('button', { name: 'Reconnect your bank' })
  await reconnect.waitFor()
  await page.screenshot({ path: join(SCREENSHOTS, 'plaid-reconnect-from-balance.png'), fullPage: true })
  await reconnect.click()
  await page.getByRole('dialog').getByRole('button', { name: 'Continue' }).click()
  await page.getByText('Reconnected in Plaid Link: check the balance again.').waitFor()
  await checkBalance(t, 'plaid-balance-after-reauth-no-events.png')
  t.equal(await reauthRequired(exchangeId), false, 'and the mark is cleared')
  const [balanceFailure, ...others] = consoleErrors.splice(0).filter((error) => !/\/events: Failed to load resource/.test(error))
  t.match(balanceFailure, /\/balance: Failed to load resource: .* 409/, 'Chromium notes the 409 itself')
  t.same(others, [], 'and, beside the blocked stream, nothing else')
})

t.test('Plaid: the user closes Link and the page says so', async (t) => {
  await connect('Plaid')
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click()
  await page.getByRole('heading', { name: 'No bank was connected' }).waitFor()
  t.ok(await page.getByText('The user closed Plaid Link.').isVisible())
  noConsoleErrors(t)
})

t.test('MX: the user connects in a new tab, returns, picks the account and links it', async (t) => {
  await connect('MX')
  const [mx] = await Promise.all([browser.waitForEvent('page'), page.getByRole('link', { name: 'Open MX Connect' }).click()])
  await mx.getByRole('button', { name: 'Approve' }).click()
  await mx.getByRole('heading', { name: 'Bank connected' }).waitFor()
  t.equal(new URL(page.url()).pathname, '/', 'the demo is still there to return to')
  await closeTab(mx)
  await page.getByRole('button', { name: 'I\'ve connected my bank' }).click()
  await page.getByRole('heading', { name: 'Pick the account to link' }).waitFor()
  await page.screenshot({ path: join(SCREENSHOTS, 'mx-connections.png'), fullPage: true })
  await page.getByRole('button', { name: 'Checking', exact: true }).click()
  await linkBank(t, 'mx-linked.png')
  noConsoleErrors(t)
})

t.test('MX: the balance, access revoked at the bank, "Reconnect your bank" live, re-authenticated in MX Connect, the balance again', async (t) => {
  await connect('MX')
  const [mx] = await Promise.all([browser.waitForEvent('page'), page.getByRole('link', { name: 'Open MX Connect' }).click()])
  await mx.getByRole('button', { name: 'Approve' }).click()
  await mx.getByRole('heading', { name: 'Bank connected' }).waitFor()
  await closeTab(mx)
  await page.getByRole('button', { name: 'I\'ve connected my bank' }).click()
  await page.getByRole('button', { name: 'Checking', exact: true }).click()
  await linkBank(t, 'mx-linked-for-balance.png')
  const exchangeId = await page.locator('dt:text-is("exchangeId") + dd').textContent() as string
  await checkBalance(t, 'mx-balance.png')

  const reconnect = await revokeAtTheBank(exchangeId, 'mx-reconnect-live.png')
  t.equal(new URL(page.url()).pathname, '/', 'on the page that linked it, not reloaded')
  await reconnect.click()
  const [reauth] = await Promise.all([browser.waitForEvent('page'), page.getByRole('link', { name: 'Open MX Connect' }).click()])
  await reauth.getByRole('button', { name: 'Approve' }).click()
  await reauth.getByRole('heading', { name: 'Bank connected' }).waitFor()
  await closeTab(reauth)
  await checkBalance(t, 'mx-balance-after-reauth.png')
  t.notOk(await page.getByRole('button', { name: 'Reconnect your bank' }).isVisible(), 'the prompt is gone once the balance answers')
  t.equal(await reauthRequired(exchangeId), false, 'and the mark is cleared')
  noConsoleErrors(t)
})

t.test('a failing call shows its problem details readably', async (t) => {
  await page.goto(`${origin}/`)
  await page.getByRole('button', { name: 'Send a request that fails' }).click()
  await page.getByRole('heading', { name: '400 · A redirect URL is required' }).waitFor()
  t.ok(await page.getByText('REDIRECT_URL_REQUIRED', { exact: true }).isVisible())
  await page.screenshot({ path: join(SCREENSHOTS, 'problem.png'), fullPage: true })
  onlyTheFailedFetch(t, /\/exchange-sessions/, 400)
})

t.test('Swagger UI at /docs renders the contract', async (t) => {
  await page.goto(`${origin}/docs`)
  await page.getByText('/v1/customers/{customerId}/exchange-sessions').waitFor()
  t.ok(await page.getByText('Start verifying a customer\'s bank account').isVisible())
  await page.screenshot({ path: join(SCREENSHOTS, 'docs.png') })
  noConsoleErrors(t)
})
