import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { PAGE_CSP, renderPage, type PageContent } from '../pages.js'
import type { Exchange, ExchangeSession, State } from '../state.js'

const Params = Type.Object({ sessionId: Type.String() })
const ExchangeParams = Type.Object({ exchangeId: Type.String() })
const DecisionParams = Type.Object({ sessionId: Type.String(), decision: Type.Union([Type.Literal('approve'), Type.Literal('cancel')]) })

const send = (reply: FastifyReply, status: number, content: PageContent) =>
  reply.code(status).type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(renderPage(content))

const notFoundPage = (reply: FastifyReply, sessionId: string) => send(reply, 404, {
  title: 'Session not found',
  message: `There is no open exchange session ${sessionId}. Sessions are single-use: start again from the app.`
})

/**
 * The pages a user's browser opens at external-provider-session (Visa and MX): Approve or
 * Cancel, then back to the app's redirect URL as Visa does, or a closing page for MX.
 * Approving creates Visa's exchange, MX's available connection, or restores a re-auth session's exchange.
 * The bank's own page of a connection offers "Revoke access", as a password change at the bank would.
 */
export const bankRoutes: FastifyPluginAsyncTypebox<{ state: State, revokeAccess: (exchangeId: string) => void }> = async (app, { state, revokeAccess }) => {
  const openSession = (sessionId: string) => {
    const session = state.sessions.get(sessionId)
    return session?.partner.flow === 'bank-page' && !session.outcome ? session : undefined
  }

  /** The approved exchange, if any, goes back in the redirect URL as Visa does. */
  function finish (reply: FastifyReply, session: ExchangeSession, exchange: Exchange | undefined) {
    const approved = session.outcome === 'approved'
    if (session.redirectUrl === undefined) {
      return send(reply, 200, approved
        ? { title: 'Bank connected', message: `Your bank is connected through ${session.partner.name}. You can return to the app.` }
        : { title: 'Connection cancelled', message: 'No bank was connected. You can return to the app.' })
    }
    const target = new URL(session.redirectUrl)
    if (exchange) target.searchParams.set('exchange', exchange.id)
    else target.searchParams.set('error', 'USER_CANCELLED')
    return reply.redirect(target.href, 303)
  }

  app.get('/simulator/bank/:sessionId', { schema: { params: Params } }, async (request, reply) => {
    const session = openSession(request.params.sessionId)
    if (!session) return notFoundPage(reply, request.params.sessionId)
    const base = `/simulator/bank/${session.id}`
    return send(reply, 200, {
      title: `Connect your bank with ${session.partner.name}`,
      message: `Allow the app to verify your bank account through ${session.partner.name}?`,
      actions: [{ label: 'Approve', action: `${base}/approve` }, { label: 'Cancel', action: `${base}/cancel` }]
    })
  })

  app.post('/simulator/bank/:sessionId/:decision', { schema: { params: DecisionParams } }, async (request, reply) => {
    const session = openSession(request.params.sessionId)
    if (!session) return notFoundPage(reply, request.params.sessionId)
    if (request.params.decision === 'approve') return finish(reply, session, state.approve(session))
    session.outcome = 'cancelled'
    return finish(reply, session, undefined)
  })

  const exchangePage = (reply: FastifyReply, exchange: Exchange | undefined, exchangeId: string) => exchange
    ? send(reply, 200, exchange.reauthRequired
      ? { title: 'Access revoked', message: `The app can no longer read this account through ${exchange.partner.name} until you reconnect your bank in the app.` }
      : {
          title: `Your bank connection through ${exchange.partner.name}`,
          message: 'The app can read this account. Revoking access is what changing your bank password does.',
          actions: [{ label: 'Revoke access', action: `/simulator/bank/exchanges/${exchange.id}/revoke` }]
        })
    : send(reply, 404, { title: 'Connection not found', message: `There is no bank connection ${exchangeId}.` })

  app.get('/simulator/bank/exchanges/:exchangeId', { schema: { params: ExchangeParams } }, async (request, reply) =>
    exchangePage(reply, state.exchanges.get(request.params.exchangeId), request.params.exchangeId))

  app.post('/simulator/bank/exchanges/:exchangeId/revoke', { schema: { params: ExchangeParams } }, async (request, reply) => {
    const exchange = state.exchanges.get(request.params.exchangeId)
    if (exchange && !exchange.reauthRequired) revokeAccess(exchange.id)
    return exchangePage(reply, exchange, request.params.exchangeId)
  })
}
