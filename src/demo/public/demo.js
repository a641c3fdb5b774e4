// The demo talks to the service exactly as a customer's web app would: fetch, JSON in,
// JSON or problem+json out. Everything shown is built with textContent, never parsed as HTML.

const result = document.querySelector('#result')

/** An element with text or child nodes. */
function el (tag, children = [], attributes = {}) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  node.append(...[children].flat())
  return node
}

function show (...nodes) {
  result.replaceChildren(...nodes)
  result.hidden = false
}

function facts (entries) {
  return el('dl', entries.flatMap(([term, value]) => [el('dt', term), el('dd', el('code', value))]))
}

/** RFC 9457 problem details, readably. */
function showProblem (problem) {
  show(
    el('h2', `${problem.status} · ${problem.title}`, { class: 'problem' }),
    el('p', problem.detail),
    facts([['code', problem.code], ['requestId', problem.requestId]]),
    ...(problem.errors ? [el('ul', problem.errors.map(({ path, message }) => el('li', `${path}: ${message}`)))] : [])
  )
}

/** What the app does next with a created session, by partner. */
const nextStep = {
  visa ({ exchangeSessionUrl }) {
    show(el('p', 'Opening Visa…'))
    location.assign(exchangeSessionUrl)
  },
  mx ({ exchangeSessionUrl }) {
    show(
      el('h2', 'MX Connect is ready'),
      el('p', 'MX does not send the user back to a redirect URL: open it beside this page, connect, then return here.'),
      el('p', el('a', 'Open MX Connect', { href: exchangeSessionUrl, target: '_blank', rel: 'noopener' })),
      el('p', ['Once the user has connected, a real app lists the bank accounts with ',
        el('code', 'GET /v1/customers/{customerId}/available-exchange-connections'),
        ' and finishes with ', el('code', 'POST /v1/customers/{customerId}/funding-sources'), '.'], { class: 'note' })
    )
  },
  plaid ({ linkToken }) {
    show(
      el('h2', 'Plaid Link token'),
      facts([['linkToken', linkToken]]),
      el('p', 'Plaid Link cannot run offline, so the demo stops here. A real web app opens Plaid Link with this token:'),
      el('pre', `Plaid.create({
  token: linkToken,
  onSuccess: (publicToken) => finish({ partner: 'plaid', publicToken })
}).open()`),
      el('p', ['where ', el('code', 'finish'), ' calls ', el('code', 'POST /v1/customers/{customerId}/funding-sources'),
        '. iOS and Android apps hand the same token to Plaid\'s LinkKit SDK.'], { class: 'note' })
    )
  }
}

async function startSession (customerId, body) {
  show(el('p', `POST /v1/customers/${customerId}/exchange-sessions ${JSON.stringify(body)}`, { class: 'note' }))
  try {
    const response = await fetch(`/v1/customers/${customerId}/exchange-sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body)
    })
    const answer = await response.json()
    if (response.ok) nextStep[answer.partner](answer)
    else showProblem(answer)
  } catch (error) {
    show(el('h2', 'The service could not be reached', { class: 'problem' }), el('p', String(error)))
  }
}

async function startPage () {
  const { customerId, redirectUrl } = await (await fetch('/demo/config.json')).json()
  const requests = {
    visa: { partner: 'visa', redirectUrl },
    plaid: { partner: 'plaid' },
    mx: { partner: 'mx' },
    failing: { partner: 'visa' }
  }
  for (const button of document.querySelectorAll('button[data-request]')) {
    button.addEventListener('click', () => startSession(customerId, requests[button.dataset.request]))
    button.disabled = false
  }
}

/** Visa sends the user back with ?exchange=<id> or ?error=<code>. */
function callbackPage () {
  const query = new URLSearchParams(location.search)
  const exchangeId = query.get('exchange')
  const error = query.get('error')
  if (exchangeId) {
    show(
      el('h2', 'Bank approved'),
      facts([['exchangeId', exchangeId]]),
      el('p', ['A real app now finishes with ', el('code', 'POST /v1/customers/{customerId}/funding-sources'),
        ' and ', el('code', '{ "partner": "visa", "exchangeId": … }'), '.'], { class: 'note' })
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
else await startPage()
