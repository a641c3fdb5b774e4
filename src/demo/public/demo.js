// The demo's two pages: the start page (every partner) and Visa's callback.
import { callService } from './api.js'
import { bankHealth, takeReconnecting } from './bank-health.js'
import { bankLinkForm } from './bank-link.js'
import { config } from './config.js'
import { el, facts, show } from './dom.js'
import { showMxConnect } from './mx.js'
import { openPlaidLink } from './plaid.js'

const { customerId } = config

/** What the app does next with a created session, by partner. */
const nextStep = {
  visa ({ exchangeSessionUrl }) {
    show(el('p', 'Opening Visa…'))
    location.assign(exchangeSessionUrl)
  },
  mx: ({ exchangeSessionUrl }) => showMxConnect(customerId, exchangeSessionUrl),
  plaid: ({ linkToken }) => openPlaidLink(config.plaidLinkScript, linkToken, { onSuccess: showPlaidApproval })
}

/** Link handed the page a public token: linking posts it, after the user names the account. */
function showPlaidApproval (publicToken, metadata) {
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

async function startSession (body) {
  show(el('p', `POST /v1/customers/${customerId}/exchange-sessions ${JSON.stringify(body)}`, { class: 'note' }))
  const session = await callService('POST', `/v1/customers/${customerId}/exchange-sessions`, { body })
  if (session) nextStep[session.partner](session)
}

function startPage () {
  const requests = {
    visa: { partner: 'visa', redirectUrl: config.redirectUrl },
    plaid: { partner: 'plaid' },
    mx: { partner: 'mx' },
    failing: { partner: 'visa' }
  }
  for (const button of document.querySelectorAll('button[data-request]')) {
    button.addEventListener('click', () => startSession(requests[button.dataset.request]))
    button.disabled = false
  }
}

/** Visa sends the user back with ?exchange=<id> or ?error=<code>. */
function callbackPage () {
  const query = new URLSearchParams(location.search)
  const exchangeId = query.get('exchange')
  const error = query.get('error')
  const reconnected = exchangeId && takeReconnecting(exchangeId)
  if (reconnected) {
    show(
      el('h2', 'Bank reconnected'),
      el('p', `The bank link works again for funding source ${reconnected.fundingSourceId}: nothing to link anew.`),
      ...bankHealth(reconnected)
    )
  } else if (exchangeId) {
    show(
      el('h2', 'Bank approved'),
      facts([['exchangeId', exchangeId]]),
      el('p', ['Linking posts it as ', el('code', '{ "partner": "visa", "exchangeId": … }'), '.'], { class: 'note' }),
      ...bankLinkForm(customerId, { partner: 'visa', exchangeId }, { name: 'Checking', type: 'checking' })
    )
  } else if (error) {
    show(
      el('h2', 'No bank was connected', { class: 'problem' }),
      facts([['error', error]]),
      el('p', error === 'USER_CANCELLED' ? 'The user cancelled at the partner.' : 'The partner reported an error.')
    )
  } else {
    show(el('p', 'Nothing came back from the partner.'))
  }
}

if (document.body.dataset.page === 'callback') callbackPage()
else startPage()
