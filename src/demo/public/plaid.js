// Plaid on the web: Plaid's own script opens Link in the page; here it is the simulator's stand-in.
import { bankLinkForm } from './bank-link.js'
import { el, facts, result, show, showIn } from './dom.js'

let loading

/** Plaid's script, added to the page once, as Plaid has web apps do. */
function loadPlaid (src) {
  loading ??= new Promise((resolve, reject) => {
    const script = el('script', [], { src })
    script.addEventListener('load', () => resolve(globalThis.Plaid))
    script.addEventListener('error', () => {
      loading = undefined
      reject(new Error(`Plaid Link's script did not load from ${src}`))
    })
    document.head.append(script)
  })
  return loading
}

/** Link handed the page a public token: linking posts it, after the user names the account. */
function showApproval (customerId, publicToken, metadata) {
  const [account] = metadata.accounts
  show(
    el('h2', 'Bank approved in Plaid Link'),
    facts([['institution', metadata.institution.name], ['account', `${account.name} ····${account.mask}`]]),
    el('p', ['Link handed the page a public token; linking posts it as ', el('code', '{ "partner": "plaid", "publicToken": … }'), '.'], { class: 'note' }),
    ...bankLinkForm(customerId, { partner: 'plaid', publicToken }, {
      name: account.name,
      type: account.subtype === 'savings' ? 'savings' : 'checking'
    })
  )
}

/**
 * Opens Plaid Link with the session's link token, telling its progress in `into` (the page's result
 * unless told); onSuccess is Link's, linking the approved account unless told otherwise.
 */
export async function openPlaidLink (customerId, scriptUrl, linkToken, {
  into = result,
  onSuccess = (publicToken, metadata) => showApproval(customerId, publicToken, metadata)
} = {}) {
  showIn(into, el('p', 'Opening Plaid Link…'))
  let Plaid
  try {
    Plaid = await loadPlaid(scriptUrl)
  } catch (error) {
    showIn(into, el('h2', 'Plaid Link could not open', { class: 'problem' }), el('p', error.message))
    return
  }
  Plaid.create({
    token: linkToken,
    onSuccess,
    onExit (error) {
      showIn(into,
        el('h2', 'No bank was connected', { class: 'problem' }),
        el('p', error ? `Plaid Link reported ${error.error_code}: ${error.error_message}` : 'The user closed Plaid Link.')
      )
    }
  }).open()
}
