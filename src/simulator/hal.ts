import type { FastifyRequest } from 'fastify'

/** Dwolla's versioned media type: required in Accept, used on every API response. */
export const HAL = 'application/vnd.dwolla.v1.hal+json'

/** The origin the request arrived on; Dwolla's hrefs and Locations name its own origin. */
export const origin = (request: FastifyRequest) => `${request.protocol}://${request.host}`

/** A HAL link as Dwolla writes it. */
export const link = (href: string, resourceType: string) => ({ href, type: HAL, 'resource-type': resourceType })
