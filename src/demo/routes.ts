import { readFile } from 'node:fs/promises'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { homeRouteSchema } from '../operations/service-description.js'

export interface DemoOptions {
  /** The simulator's seeded customer whose bank the demo verifies. */
  customerId: string
  /** The registered redirect Visa sends the user back to. */
  redirectUrl: string
  /** The simulator's origin as the browser reaches it: the Plaid Link stand-in comes from there. */
  simulatorUrl: string
}

// Same-origin script and style only: the demo runs under the policy a customer's page would use.
const PAGE_CSP = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
const HTML = 'text/html; charset=utf-8'
const JS = 'text/javascript; charset=utf-8'

const ASSETS = [
  { path: '/demo/callback', file: 'callback.html', type: HTML },
  ...['demo.js', 'config.js', 'dom.js', 'api.js', 'bank-link.js', 'bank-health.js', 'plaid.js', 'mx.js'].map((file) => ({ path: `/demo/${file}`, file, type: JS })),
  { path: '/demo/demo.css', file: 'demo.css', type: 'text/css; charset=utf-8' },
  { path: '/demo/icon.svg', file: 'icon.svg', type: 'image/svg+xml' }
]

const read = (file: string) => readFile(new URL(`public/${file}`, import.meta.url))

function answer (reply: FastifyReply, type: string, body: Buffer, csp = PAGE_CSP) {
  if (type === HTML) reply.header('content-security-policy', csp)
  return reply.type(type).send(body)
}

/**
 * The demo, in simulator mode: GET / is a page that starts exchange sessions and links the bank
 * as a customer's web app would, and /demo/callback is where Visa sends the user back. Files are read once.
 */
export async function demoRoutes (app: FastifyInstance, { customerId, redirectUrl, simulatorUrl }: DemoOptions) {
  const page = await read('index.html')
  // The start page alone loads Plaid Link's script, and the script posts its approval home.
  const startCsp = `${PAGE_CSP}; script-src 'self' ${simulatorUrl}; connect-src 'self' ${simulatorUrl}`
  app.get('/', { schema: homeRouteSchema }, async (_request, reply) => answer(reply, HTML, page, startCsp))

  for (const { path, file, type } of ASSETS) {
    const body = await read(file)
    app.get(path, { schema: { hide: true } }, async (_request, reply) => answer(reply, type, body))
  }
  const demoConfig = { customerId, redirectUrl, plaidLinkScript: `${simulatorUrl}/simulator/plaid/link-initialize.js` }
  app.get('/demo/config.json', { schema: { hide: true } }, async () => demoConfig)
}
