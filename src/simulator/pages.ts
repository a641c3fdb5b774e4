const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

const escape = (text: string) => text.replace(/[&<>"']/g, (char) => ENTITIES[char] as string)

/** No scripts, no external assets: only the inline style below. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'"

export interface PageContent {
  title: string
  message: string
  /** Buttons, each posting an empty form to its action. */
  actions?: Array<{ label: string; action: string }>
}

/** A self-contained page of the simulated bank; every interpolated text is escaped. */
export function renderPage ({ title, message, actions = [] }: PageContent): string {
  const buttons = actions.map(({ label, action }) =>
    `<form method="post" action="${escape(action)}"><button type="submit">${escape(label)}</button></form>`).join('')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; color: #1d2433; }
.note { font-size: .85rem; color: #5b6475; }
form { display: inline-block; margin-right: .5rem; }
button { font-size: 1rem; padding: .6rem 1.2rem; border-radius: .4rem; border: 1px solid #1d2433; background: #fff; cursor: pointer; }
</style>
</head>
<body>
<p class="note">Dwolla simulator — no real bank is involved.</p>
<h1>${escape(title)}</h1>
<p>${escape(message)}</p>
${buttons}
</body>
</html>
`
}
