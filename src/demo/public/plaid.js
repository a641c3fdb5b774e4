// Plaid on the web: Plaid's own script opens Link in the page; here it is the simulator's stand-in.
import { bankLinkForm } from './bank-link.js'
import { el, facts, show } from './dom.js'

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

/** Opens Plaid Link with the session's link token; its onSuccess hands over the public token to link. */
export async function openPlaidLink (customerId, scriptUrl, linkToken) {
  show(el('p', 'Opening Plaid Link…'))
  let Plaid
  try {
    Plaid = await loadPlaid(scriptUrl)
  } catch (error) {
    show(el('h2', 'Plaid Link could not open', { class: 'problem' }), el('p', error.message))
    return
  }
  Plaid.create({
    token: linkToken,
    onSuccess (publicToken, metadata) {
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
    },
    onExit (error) {
      show(
        el('h2', 'No bank was connected', { class: 'problem' }),
        el('p', error ? `Plaid Link reported ${error.error_code}: ${error.error_message}` : 'The user closed Plaid Link.')
      )
    }
  }).open()
}
