// Plaid on the web: Plaid's own script opens Link in the page; here it is the simulator's stand-in.
import { el, result, showIn } from './dom.js'

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

/**
 * Opens Plaid Link with the session's link token, telling its progress in `into` (the page's result
 * unless told); onSuccess is Link's: what the caller does with the approval.
 */
export async function openPlaidLink (scriptUrl, linkToken, { into = result, onSuccess }) {
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
