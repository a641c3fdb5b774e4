import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { FaultSchema } from '../faults.js'
import type { SimulatorControl } from '../control.js'

/** The test control over HTTP, for a simulator running in another process; never recorded as calls. */
export const controlRoutes: FastifyPluginAsyncTypebox<{ control: SimulatorControl }> = async (app, { control }) => {
  app.post('/__simulator/faults', { schema: { body: FaultSchema } }, async (request, reply) => {
    control.fault(request.body)
    return reply.code(204).send()
  })
  app.get('/__simulator/calls', async () => control.calls)
  app.post('/__simulator/expire-tokens', async (_request, reply) => {
    control.expireTokens()
    return reply.code(204).send()
  })
  app.post('/__simulator/exchanges/:exchangeId/revoke', { schema: { params: Type.Object({ exchangeId: Type.String() }) } }, async (request, reply) => {
    try {
      control.revokeAccess(request.params.exchangeId)
    } catch (error) {
      return reply.code(404).send({ message: (error as Error).message })
    }
    return reply.code(204).send()
  })
}
