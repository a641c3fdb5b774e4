import type { OpenAPIV3_1 } from 'openapi-types'

interface Discriminated {
  discriminator: { propertyName: string; mapping?: Record<string, string> }
  oneOf: OpenAPIV3_1.ReferenceObject[]
}

type Schema = OpenAPIV3_1.SchemaObject & Partial<Discriminated>

/** The value a oneOf member fixes its discriminator property to (a literal becomes a one-value enum). */
const tagOf = (schema: Schema, propertyName: string) =>
  ((schema.properties as Record<string, { enum: string[] }>)[propertyName] as { enum: string[] }).enum[0] as string

/**
 * Completes the generated document with what the route schemas cannot say: each discriminator's
 * mapping, one value to one named schema (Ajv refuses `mapping`, generators need it), and the
 * x-request-id header every response carries.
 */
export function completeContract (document: OpenAPIV3_1.Document): OpenAPIV3_1.Document {
  const schemas = (document.components as { schemas: Record<string, Schema> }).schemas
  for (const schema of Object.values(schemas)) {
    if (!schema.discriminator) continue
    const { discriminator, oneOf } = schema as Discriminated
    discriminator.mapping = Object.fromEntries(oneOf.map(({ $ref }) =>
      [tagOf(schemas[$ref.slice($ref.lastIndexOf('/') + 1)] as Schema, discriminator.propertyName), $ref]))
  }
  for (const item of Object.values(document.paths as OpenAPIV3_1.PathsObject)) {
    for (const operation of Object.values(item as object) as OpenAPIV3_1.OperationObject[]) {
      for (const response of Object.values(operation.responses as object) as OpenAPIV3_1.ResponseObject[]) {
        response.headers = { 'x-request-id': { $ref: '#/components/headers/RequestId' }, ...response.headers }
      }
    }
  }
  return document
}
