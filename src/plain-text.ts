import { Type, type StringOptions } from '@sinclair/typebox'

/**
 * No C0 or C1 control (DEL included) and no bidirectional embedding, override or isolate
 * (U+202A–U+202E, U+2066–U+2069): characters that hide or reorder what Dwolla and its partners show.
 */
const PLAIN_TEXT_PATTERN = '^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$'

/** What a caller is told instead of a pattern it broke. */
export const PATTERN_MESSAGES: ReadonlyMap<string, string> = new Map([
  [PLAIN_TEXT_PATTERN, 'must not contain control characters or bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069)']
])

/** Free text the service sends on to Dwolla. */
export const PlainText = ({ description, ...options }: StringOptions & { description: string }) => Type.String({
  ...options,
  description: `${description} No control or bidirectional formatting characters.`,
  pattern: PLAIN_TEXT_PATTERN
})
