// Everything the demo shows is built with createElement and textContent, never parsed as HTML.

/** The page's result section: what the last step showed. */
export const result = document.querySelector('#result')

/** An element with text or child nodes. */
export function el (tag, children = [], attributes = {}) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  node.append(...[children].flat())
  return node
}

/** Replaces what `into` shows (the page's result section unless told). */
export function showIn (into, ...nodes) {
  into.replaceChildren(...nodes)
  into.hidden = false
}

export const show = (...nodes) => showIn(result, ...nodes)

export function facts (entries) {
  return el('dl', entries.flatMap(([term, value]) => [el('dt', term), el('dd', el('code', value))]))
}

/** RFC 9457 problem details, readably. */
export function problemNodes (problem) {
  return [
    el('h2', `${problem.status} · ${problem.title}`, { class: 'problem' }),
    el('p', problem.detail),
    facts([['code', problem.code], ['requestId', problem.requestId]]),
    ...(problem.errors ? [el('ul', problem.errors.map(({ path, message }) => el('li', `${path}: ${message}`)))] : [])
  ]
}
