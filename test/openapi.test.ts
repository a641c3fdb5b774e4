import { readFile } from 'node:fs/promises'
import { compileErrors, validate } from '@readme/openapi-parser'
import type { OpenAPIV3_1 } from 'openapi-types'
import t from 'tap'
import { parse } from 'yaml'
import { generateOpenapiDocument } from '../src/openapi-document.js'
import { problemCatalogue, type ProblemCode } from '../src/problems.js'

const committed = await readFile(new URL('../openapi.yaml', import.meta.url), 'utf8')
const document = () => parse(committed) as OpenAPIV3_1.Document

t.test('openapi.yaml is exactly what the routes\' schemas generate', async (t) => {
  t.equal(await generateOpenapiDocument(), committed, 'out of date: run npm run openapi and commit openapi.yaml')
})

t.test('openapi.yaml is a valid OpenAPI 3.1 document', async (t) => {
  const result = await validate(document())
  t.ok(result.valid, result.valid ? 'valid' : compileErrors(result))
  t.same(result.warnings, [])
})

t.test('every operation has an id and a tag for generators', async (t) => {
  const operations = Object.values(document().paths ?? {}).flatMap((item) => Object.values(item ?? {})) as OpenAPIV3_1.OperationObject[]
  t.ok(operations.length >= 3)
  for (const operation of operations) {
    t.match(operation.operationId, /^[a-z][A-Za-z]+$/)
    t.equal(operation.tags?.length, 1, `${operation.operationId}: one tag`)
  }
})

t.test('createExchangeSession documents every answer it can give', async (t) => {
  const operation = document().paths?.['/v1/customers/{customerId}/exchange-sessions']?.post as OpenAPIV3_1.OperationObject
  t.equal(operation.operationId, 'createExchangeSession')
  t.match(operation.parameters, [{ in: 'path', name: 'customerId', required: true }, { in: 'header', name: 'idempotency-key', required: false }])

  const request = (operation.requestBody as OpenAPIV3_1.RequestBodyObject).content['application/json']
  t.same(Object.keys(request?.examples ?? {}), ['visa', 'plaidWeb', 'plaidAndroid', 'plaidIos', 'mx'], 'a request example per partner and platform')

  const responses = operation.responses as Record<string, OpenAPIV3_1.ResponseObject>
  const created = responses['201']?.content?.['application/json']
  t.same(created?.schema, { $ref: '#/components/schemas/ExchangeSession' })
  t.same(Object.keys(created?.examples ?? {}), ['visa', 'plaid', 'mx'])
  t.match(document().components?.schemas?.ExchangeSession, {
    oneOf: [{ $ref: '#/components/schemas/ExchangeSessionUrl' }, { $ref: '#/components/schemas/PlaidLinkToken' }],
    discriminator: { propertyName: 'partner', mapping: { visa: String, mx: String, plaid: String } }
  }, 'a union discriminated by partner')

  const documented = new Map<number, string>()
  for (const [status, response] of Object.entries(responses)) {
    if (status === '201') continue
    t.same(response.content?.['application/problem+json']?.schema, { $ref: '#/components/schemas/ProblemDetails' }, status)
    documented.set(Number(status), response.description)
  }
  const codes: ProblemCode[] = [
    'VALIDATION_ERROR', 'REDIRECT_URL_REQUIRED', 'REDIRECT_URL_NOT_ALLOWED', 'REDIRECT_URL_INVALID', 'REDIRECT_URL_NOT_REGISTERED',
    'CUSTOMER_NOT_FOUND', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'PARTNER_NOT_ENABLED',
    'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'OVERLOADED',
    'INTERNAL_ERROR', 'UPSTREAM_ERROR', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT'
  ]
  for (const code of codes) {
    t.match(documented.get(problemCatalogue[code].status), `\`${code}\``, `${code} is listed under its status`)
  }
  t.ok(responses['503']?.headers?.['retry-after'], 'Retry-After is documented')
})

t.test('the problem schema names every code of the catalogue', async (t) => {
  const code = document().components?.schemas?.ProblemDetails?.properties?.code as OpenAPIV3_1.SchemaObject
  t.same(code.enum, Object.keys(problemCatalogue))
})

t.test('after linking: the balance, bank links, webhook and event stream are documented with their problems', async (t) => {
  const paths = document().paths ?? {}
  const problemsOf = (operation: OpenAPIV3_1.OperationObject | undefined) =>
    Object.values(operation?.responses ?? {}).map((response) => (response as OpenAPIV3_1.ResponseObject).description).join('\n')
  const balance = paths['/v1/customers/{customerId}/funding-sources/{fundingSourceId}/balance']?.get
  for (const code of ['FUNDING_SOURCE_NOT_FOUND', 'REAUTH_REQUIRED', 'BALANCE_NOT_SUPPORTED', 'BALANCE_NOT_ENABLED']) {
    t.match(problemsOf(balance), `\`${code}\``, `balance: ${code}`)
  }
  t.match(problemsOf(paths['/v1/customers/{customerId}/bank-links']?.get), '`CUSTOMER_NOT_FOUND`')
  t.match(problemsOf(paths['/webhooks/dwolla']?.post), '`WEBHOOK_SIGNATURE_INVALID`')
  const events = paths['/v1/customers/{customerId}/events']?.get
  t.match(problemsOf(events), '`TOO_MANY_STREAMS`')
  const stream = ((events?.responses?.['200'] as OpenAPIV3_1.ResponseObject).content?.['text/event-stream']?.schema) as Record<string, unknown>
  const eventData = (stream['x-event-data'] as { anyOf: Array<{ title: string }> }).anyOf.map(({ title }) => title)
  t.same(eventData, ['bank-link.reauth-required', 'funding-source.*'], 'each event type with its data schema')
  const problem = document().components?.schemas?.ProblemDetails?.properties as Record<string, unknown>
  t.ok(problem.exchangeId, 'REAUTH_REQUIRED names its exchange')
})
