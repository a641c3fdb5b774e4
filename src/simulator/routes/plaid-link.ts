import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PLAID_LINK_SCRIPT } from '../plaid-link-script.js'
import type { State } from '../state.js'

const Params = Type.Object({ linkToken: Type.String() })

/** The demo page loading the script and calling approve runs on another origin. */
const CROSS_ORIGIN = { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' }

/** Plaid's error for a link token it does not know, or one already used to link an account. */
const INVALID_LINK_TOKEN = {
  error_type: 'INVALID_INPUT',
  error_code: 'INVALID_LINK_TOKEN',
  error_message: 'invalid link_token provided',
  display_message: null
}

/**
 * Plaid Link, simulated: the script a web app loads instead of Plaid's, and the approval it
 * posts the link token to, which closes the exchange session and returns a public token that
 * POST /customers/:id/exchanges accepts once for the session's customer.
 */
export const plaidLinkRoutes: FastifyPluginAsyncTypebox<{ state: State }> = async (app, { state }) => {
  app.get('/simulator/plaid/link-initialize.js', async (_request, reply) => reply
    .type('text/javascript; charset=utf-8')
    .headers({ ...CROSS_ORIGIN, 'x-content-type-options': 'nosniff' })
    .send(PLAID_LINK_SCRIPT))

  app.post('/simulator/plaid/link/:linkToken/approve', { schema: { params: Params } }, async (request, reply) => {
    reply.headers(CROSS_ORIGIN)
    const session = [...state.sessions.values()].find(({ linkToken, outcome }) =>
      linkToken === request.params.linkToken && outcome === undefined)
    if (!session) return reply.code(400).send(INVALID_LINK_TOKEN)
    const grant = state.approveLink(session)
    return {
      public_token: grant.token,
      metadata: {
        institution: { name: 'Simulated Bank', institution_id: 'ins_simulator' },
        accounts: [{ id: session.id, name: grant.name, mask: '0000', type: 'depository', subtype: 'checking', verification_status: null }],
        link_session_id: session.id
      }
    }
  })
}
