// After linking: the balance on demand, and "Reconnect your bank" the moment the service says the link went stale.
import { callService } from './api.js'
import { config } from './config.js'
import { el, facts, showIn } from './dom.js'
import { openPlaidLink } from './plaid.js'

const { customerId } = config
/** Where the user is sent back to after re-authenticating at Visa, to find the bank they reconnected. */
const RECONNECTING = 'demo.reconnecting'

let events

/** Opens a re-auth session for the bank's exchange and takes the user through it, by partner. */
const reconnect = {
  async visa (bank, into) {
    const session = await createReauthSession(bank, { redirectUrl: config.redirectUrl }, into)
    if (!session) return
    sessionStorage.setItem(RECONNECTING, JSON.stringify(bank))
    location.assign(session.exchangeSessionUrl)
  },
  async mx (bank, into) {
    const session = await createReauthSession(bank, {}, into)
    if (!session) return
    showIn(into,
      el('p', el('a', 'Open MX Connect', { href: session.exchangeSessionUrl, target: '_blank', rel: 'noopener' })),
      el('p', 'Approve there, return here, then check the balance again.', { class: 'note' }))
  },
  async plaid (bank, into) {
    const session = await createReauthSession(bank, {}, into)
    if (!session) return
    // Link in update mode: its onSuccess means the same link works again, with no token to exchange.
    openPlaidLink(config.plaidLinkScript, session.linkToken, {
      into,
      onSuccess: () => showIn(into, el('p', 'Reconnected in Plaid Link: check the balance again.', { class: 'note' }))
    })
  }
}

function createReauthSession ({ exchangeId }, body, into) {
  return callService('POST', `/v1/customers/${customerId}/exchanges/${exchangeId}/exchange-sessions`, { body, into })
}

/** The bank Visa's callback returns from, if the user left to reconnect it. */
export function takeReconnecting (exchangeId) {
  const bank = JSON.parse(sessionStorage.getItem(RECONNECTING) ?? 'null')
  sessionStorage.removeItem(RECONNECTING)
  return bank?.exchangeId === exchangeId ? bank : undefined
}

const money = ({ value, currency }) => `${value} ${currency}`

/**
 * "Check balance" for a linked bank ({ partner, exchangeId, fundingSourceId }), and "Reconnect your
 * bank" when its exchange needs re-authentication: live, from the customer's events, or when the
 * balance answers REAUTH_REQUIRED (the event came while the page was not listening).
 */
export function bankHealth (bank) {
  const check = el('button', 'Check balance', { type: 'button' })
  const balance = el('div', [], { 'aria-live': 'polite' })
  const status = el('p', 'Connecting to live events…', { class: 'note' })
  const alert = el('div', [], { 'aria-live': 'assertive' })

  const offerReconnect = () => {
    const button = el('button', 'Reconnect your bank', { type: 'button' })
    const next = el('div', [], { 'aria-live': 'polite' })
    button.addEventListener('click', () => reconnect[bank.partner](bank, next))
    showIn(alert,
      el('h3', 'Your bank needs you to sign in again', { class: 'problem' }),
      el('p', 'The bank no longer lets the app read this account: reconnecting re-authenticates the same link.'),
      el('p', button),
      next)
  }

  check.addEventListener('click', async () => {
    check.disabled = true
    const answer = await callService('GET', `/v1/customers/${customerId}/funding-sources/${bank.fundingSourceId}/balance`, {
      into: balance,
      onProblem: ({ code }) => { if (code === 'REAUTH_REQUIRED') offerReconnect() }
    })
    check.disabled = false
    if (!answer) return
    alert.replaceChildren()
    showIn(balance, facts([
      ...(answer.available ? [['available', money(answer.available)]] : []),
      ['closing', money(answer.closing)],
      ['lastUpdated', answer.lastUpdated]
    ]))
  })

  events?.close()
  events = new EventSource(`/v1/customers/${customerId}/events`)
  events.addEventListener('open', () => { status.textContent = 'Listening for bank-link events.' })
  events.addEventListener('bank-link.reauth-required', (event) => {
    if (JSON.parse(event.data).exchangeId !== bank.exchangeId) return
    balance.replaceChildren()
    offerReconnect()
  })
  return [el('p', check), balance, alert, status]
}
