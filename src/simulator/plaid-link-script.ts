/**
 * A stand-in for Plaid's link-initialize.js: the same `Plaid.create({ token, onSuccess, onExit })`
 * surface, an in-page overlay built with createElement and textContent only (no HTML parsing,
 * no inline style attributes, no external assets), and the public token from the simulator.
 */
export const PLAID_LINK_SCRIPT = `(() => {
  'use strict'
  // The approve endpoint sits beside this script, on the simulator's origin.
  const base = new URL('.', document.currentScript.src)

  const button = (label, onClick) => {
    const element = document.createElement('button')
    element.type = 'button'
    element.textContent = label
    Object.assign(element.style, { font: 'inherit', padding: '.6rem 1.2rem', marginRight: '.5rem', cursor: 'pointer' })
    element.addEventListener('click', onClick)
    return element
  }

  window.Plaid = {
    create (config) {
      let overlay = null
      const exitMetadata = (status) => ({ status, institution: null, link_session_id: null, request_id: null })
      const close = () => {
        if (overlay) overlay.remove()
        overlay = null
      }
      const exit = (error, status) => {
        close()
        if (config.onExit) config.onExit(error, exitMetadata(status))
      }

      const approve = async () => {
        close()
        try {
          const response = await fetch(new URL('link/' + encodeURIComponent(config.token) + '/approve', base), { method: 'POST' })
          const body = await response.json()
          if (!response.ok) return exit(body, null)
          config.onSuccess(body.public_token, body.metadata)
        } catch (error) {
          exit({ error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR', error_message: String(error), display_message: null }, null)
        }
      }

      const open = () => {
        if (overlay) return
        overlay = document.createElement('div')
        overlay.setAttribute('role', 'dialog')
        overlay.setAttribute('aria-modal', 'true')
        Object.assign(overlay.style, {
          position: 'fixed', inset: '0', zIndex: '2147483647', display: 'flex', alignItems: 'center', justifyContent: 'center',
          background: 'rgba(0, 0, 0, .5)', fontFamily: 'system-ui, sans-serif'
        })
        const panel = document.createElement('div')
        Object.assign(panel.style, { background: '#fff', color: '#1d2433', padding: '1.5rem', borderRadius: '.5rem', maxWidth: '24rem' })
        const note = document.createElement('p')
        note.textContent = 'Dwolla simulator: Plaid Link stand-in. No real bank is involved.'
        const title = document.createElement('h2')
        title.textContent = 'Connect your bank with Plaid'
        const message = document.createElement('p')
        message.textContent = 'Share your Checking account with the app?'
        panel.append(note, title, message, button('Continue', approve), button('Cancel', () => exit(null, 'requires_credentials')))
        overlay.append(panel)
        document.body.append(overlay)
      }

      return { open, exit: () => exit(null, null), destroy: close }
    }
  }
})()
`
