// The service, called exactly as a customer's web app calls it: fetch, JSON in, JSON or problem+json out.
import { el, problemNodes, result, showIn } from './dom.js'

/**
 * Calls the service and resolves to its answer when the call succeeded; otherwise shows the
 * problem (or that the service was unreachable) in `into`, hands the problem to `onProblem`, and
 * resolves to undefined.
 */
export async function callService (method, path, { body, headers = {}, into = result, onProblem } = {}) {
  let response, answer
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    answer = await response.json()
  } catch (error) {
    showIn(into, el('h2', 'The service could not be reached', { class: 'problem' }), el('p', String(error)))
    return undefined
  }
  if (response.ok) return answer
  showIn(into, ...problemNodes(answer))
  onProblem?.(answer)
  return undefined
}
