// MX on the web: MX Connect opens beside the page and sends nothing back; the app asks the service what was connected.
import { callService } from './api.js'
import { bankLinkForm } from './bank-link.js'
import { el, show, showIn } from './dom.js'

/** The MX Connect link, and the button the user presses once they have connected. */
export function showMxConnect (customerId, exchangeSessionUrl) {
  const connected = el('button', 'I\'ve connected my bank', { type: 'button' })
  const next = el('div', [], { 'aria-live': 'polite' })
  connected.addEventListener('click', () => pickConnection(customerId, next))
  show(
    el('h2', 'MX Connect is ready'),
    el('p', 'MX does not send the user back to a redirect URL: open it beside this page, connect, then return here.'),
    el('p', el('a', 'Open MX Connect', { href: exchangeSessionUrl, target: '_blank', rel: 'noopener' })),
    el('p', connected),
    next
  )
}

/** GET …/available-exchange-connections, then the account the user picks becomes the grant. */
async function pickConnection (customerId, into) {
  const list = await callService('GET', `/v1/customers/${customerId}/available-exchange-connections`, { into })
  if (!list) return
  if (list.connections.length === 0) {
    showIn(into, el('p', 'MX lists no connected account yet: approve in the MX Connect tab first, then press the button again.'))
    return
  }
  showIn(into,
    el('h3', 'Pick the account to link'),
    el('div', list.connections.map((connection) => {
      const pick = el('button', connection.name, { type: 'button', class: 'quiet' })
      pick.addEventListener('click', () => showIn(into,
        el('h3', `Link ${connection.name}`),
        ...bankLinkForm(customerId, { partner: 'mx', availableConnectionToken: connection.availableConnectionToken },
          { name: connection.name, type: 'checking' })))
      return pick
    }), { class: 'partners' })
  )
}
