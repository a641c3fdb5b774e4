import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { notFound } from '../errors.js'
import { link, origin } from '../hal.js'
import type { State } from '../state.js'

const NonEmpty = Type.String({ minLength: 1 })

/** Just enough of Dwolla's unverified customer to own exchange sessions. */
const CreateCustomer = Type.Object({ firstName: NonEmpty, lastName: NonEmpty, email: NonEmpty })

/** POST /customers and GET /customers/:id. */
export const customerRoutes: FastifyPluginAsyncTypebox<{ state: State }> = async (app, { state }) => {
  app.post('/customers', { schema: { body: CreateCustomer } }, async (request, reply) => {
    const { firstName, lastName, email } = request.body
    const customer = state.addCustomer({ firstName, lastName, email })
    return reply.code(201).header('location', `${origin(request)}/customers/${customer.id}`).send()
  })

  app.get('/customers/:id', { schema: { params: Type.Object({ id: Type.String() }) } }, async (request) => {
    const customer = state.customers.get(request.params.id)
    if (!customer) throw notFound()
    const { id, firstName, lastName, email, created } = customer
    return {
      _links: { self: link(`${origin(request)}/customers/${id}`, 'customer') },
      id,
      firstName,
      lastName,
      email,
      type: 'unverified',
      status: 'unverified',
      created
    }
  })
}
