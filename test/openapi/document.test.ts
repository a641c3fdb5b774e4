import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { compileErrors, validate } from '@readme/openapi-parser'
import type { OpenAPIV3_1 } from 'openapi-types'
import t from 'tap'
import { parse } from 'yaml'
import { generateOpenapiDocument } from '../../src/openapi/document.js'
import { problemCatalogue, type ProblemCode } from '../../src/problems.js'
import { tsEntry } from '../support/processes.js'

const committed = await readFile(new URL('../../openapi.yaml', import.meta.url), 'utf8')
const document = () => parse(committed) as OpenAPIV3_1.Document

t.test('openapi.yaml is exactly what the routes\' schemas generate', async (t) => {
  t.equal(await generateOpenapiDocument(), committed, 'out of date: run npm run openapi and commit openapi.yaml')
})

t.test("npm run openapi's entry writes that document, at the path given or as openapi.yaml in the working directory", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bff-openapi-'))
  t.teardown(() => rm(dir, { recursive: true }))
  const [node, ...args] = tsEntry('src/openapi/write.ts')
  await promisify(execFile)(node!, [...args, join(dir, 'given.yaml')])
  t.equal(await readFile(join(dir, 'given.yaml'), 'utf8'), committed)
  await promisify(execFile)(node!, args, { cwd: dir })
  t.equal(await readFile(join(dir, 'openapi.yaml'), 'utf8'), committed)
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
  t.same(document().components?.schemas?.ExchangeSession, {
    oneOf: ['Visa', 'Mx', 'Plaid'].map((partner) => ({ $ref: `#/components/schemas/${partner}ExchangeSession` })),
    discriminator: {
      propertyName: 'partner',
      mapping: {
        visa: '#/components/schemas/VisaExchangeSession',
        mx: '#/components/schemas/MxExchangeSession',
        plaid: '#/components/schemas/PlaidExchangeSession'
      }
    }
  }, 'a union discriminated by partner, each partner to its own schema')

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
  t.ok(responses['503']?.headers?.['retry-after'], 'Retry-After is documented on 503')
  t.ok(responses['429']?.headers?.['retry-after'], 'and on 429')
  t.ok(responses['401']?.headers?.['www-authenticate'], 'the 401 challenge is documented')
  t.match(responses['400']?.headers?.['cache-control'], { schema: { enum: ['no-store'] } }, 'problems are not cached')
})

t.test('createFundingSource takes one named schema per partner, mapped by the discriminator', async (t) => {
  const operation = document().paths?.['/v1/customers/{customerId}/funding-sources']?.post as OpenAPIV3_1.OperationObject
  t.same((operation.requestBody as OpenAPIV3_1.RequestBodyObject).content['application/json']?.schema,
    { $ref: '#/components/schemas/CreateFundingSourceRequest' })
  const schemas = document().components?.schemas ?? {}
  t.match(schemas.CreateFundingSourceRequest, {
    discriminator: {
      propertyName: 'partner',
      mapping: {
        visa: '#/components/schemas/VisaFundingSourceRequest',
        plaid: '#/components/schemas/PlaidFundingSourceRequest',
        mx: '#/components/schemas/MxFundingSourceRequest'
      }
    }
  })
  for (const [partner, name] of [['visa', 'Visa'], ['plaid', 'Plaid'], ['mx', 'Mx']]) {
    t.same(schemas[`${name}FundingSourceRequest`]?.properties?.partner, { type: 'string', enum: [partner] })
  }
  t.match(operation.parameters, [{}, { name: 'idempotency-key', description: /no second funding source is created/ }],
    "the key's description speaks of funding sources")
})

t.test('every enumeration is a plain enum, never an anyOf of constants', async (t) => {
  t.notMatch(committed, /anyOf|const:/)
  t.match(document().components?.schemas?.CreateFundingSourceRequest?.properties?.partner, { type: 'string', enum: ['visa', 'plaid', 'mx'] })
})

t.test('servers, security and info tell a generator where, how and under which terms', async (t) => {
  const doc = document()
  t.match(doc.servers, [{ url: '/' }, { url: '{origin}', variables: { origin: { default: String } } }])
  t.same(doc.security, [{ callerToken: [] }, { callerCookie: [] }])
  t.match(doc.components?.securitySchemes?.callerCookie, { type: 'apiKey', in: 'cookie', description: /x-requested-with: fetch/ })
  t.match(doc.info, { license: { name: 'MIT' }, contact: { name: String } })
  const operations = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.values(item ?? {}).map((operation) => ({ path, ...operation as OpenAPIV3_1.OperationObject })))
  for (const { path, operationId, description, security, responses } of operations) {
    t.ok(description, `${operationId} is described`)
    t.same(security, path.startsWith('/v1/') ? undefined : [], `${operationId}: ${path.startsWith('/v1/') ? 'the root security' : 'public'}`)
    for (const [status, response] of Object.entries(responses ?? {})) {
      t.same((response as OpenAPIV3_1.ResponseObject).headers?.['x-request-id'], { $ref: '#/components/headers/RequestId' },
        `${operationId} ${status} carries x-request-id`)
    }
  }
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
  t.match(problemsOf(events), '`STREAMS_AT_CAPACITY`')
  const stream = ((events?.responses?.['200'] as OpenAPIV3_1.ResponseObject).content?.['text/event-stream']?.schema) as Record<string, unknown>
  const eventData = (stream['x-event-data'] as { oneOf: Array<{ title: string }> }).oneOf.map(({ title }) => title)
  t.same(eventData, ['bank-link.reauth-required', 'funding-source.*', 'resync'], 'each event type with its data schema')
  const problem = document().components?.schemas?.ProblemDetails?.properties as Record<string, unknown>
  t.ok(problem.exchangeId, 'REAUTH_REQUIRED names its exchange')
})
