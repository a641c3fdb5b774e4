// The last step of every partner's flow: the grant the partner handed the app becomes a funding source.
import { callService } from './api.js'
import { bankHealth } from './bank-health.js'
import { el, facts, show } from './dom.js'

const TYPES = ['checking', 'savings']

/**
 * A form naming the account, then POST /v1/customers/{customerId}/funding-sources with the
 * partner's grant; "Bank linked" replaces the page's result when it succeeds.
 */
export function bankLinkForm (customerId, grant, account) {
  // One key per grant: pressing the button again after a failure retries the same request, creating nothing twice.
  const idempotencyKey = crypto.randomUUID()
  const name = el('input', [], { name: 'name', value: `Demo – ${account.name}`, maxlength: '50', required: '' })
  const type = el('select', TYPES.map((value) => el('option', value, { value })), { name: 'bankAccountType' })
  type.value = account.type
  const submit = el('button', 'Link this bank', { type: 'submit' })
  const outcome = el('div', [], { 'aria-live': 'polite' })
  const form = el('form', [el('label', ['Name', name]), el('label', ['Account type', type]), submit], { class: 'bank-link' })

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    submit.disabled = true
    const bank = await callService('POST', `/v1/customers/${customerId}/funding-sources`, {
      body: { ...grant, name: name.value, bankAccountType: type.value },
      headers: { 'idempotency-key': idempotencyKey },
      into: outcome
    })
    submit.disabled = false
    if (bank) showLinked({ ...bank, partner: grant.partner })
  })
  return [form, outcome]
}

function showLinked (bank) {
  show(
    el('h2', 'Bank linked'),
    el('p', `${bank.bankName} is a ${bank.status} funding source of the customer.`),
    facts([['fundingSourceId', bank.fundingSourceId], ['exchangeId', bank.exchangeId], ['name', bank.name], ['bankAccountType', bank.bankAccountType]]),
    el('p', 'With the funding source id, your app can now send and receive money through Dwolla.', { class: 'note' }),
    ...bankHealth(bank)
  )
}
