import { Type, type SchemaOptions } from '@sinclair/typebox'

/**
 * A string enumeration as a plain `enum`, which every client generator reads as one, still typed
 * as the union of its values (TypeBox's own union of literals becomes an anyOf of consts).
 */
export const StringEnum = <const Values extends readonly [string, ...string[]]>(values: Values, options: SchemaOptions = {}) =>
  Type.Unsafe<Values[number]>({ ...options, type: 'string', enum: [...values] })
