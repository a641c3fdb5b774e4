import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createClient } from '@hey-api/openapi-ts'
import { generateZodClientFromOpenAPI } from 'openapi-zod-client'
import t from 'tap'
import ts from 'typescript'
import { STRICT_COMPILER_OPTIONS } from '../support/strict-compiler.js'
import { parse } from 'yaml'
import { REDIRECTS, startStack } from '../support/stack.js'
import { partnerFlows } from '../support/partner-flows.js'

// Two more kinds of generated client than openapi-typescript's types (generated-client.test.ts):
// @hey-api/openapi-ts's typed SDK and openapi-zod-client's zod-validating client, each generated
// from openapi.yaml, type-checked under strict and run against the live service.

const CONTRACT = new URL('../../openapi.yaml', import.meta.url)

const HEY_API_APP = `
import { createClient } from './hey/client/index.js'
import { createExchangeSession, createFundingSource } from './hey/sdk.gen.js'
import type { CreateExchangeSessionData, ExchangeSession } from './hey/types.gen.js'

/** Compiles only if the union narrows on partner, visa included. */
export function nextStep (session: ExchangeSession): string {
  if (session.partner === 'plaid') return session.linkToken
  if (session.partner === 'visa') return session.exchangeSessionUrl
  return session.exchangeSessionUrl
}

export async function start (baseUrl: string, customerId: string, body: CreateExchangeSessionData['body']) {
  const { data, error, response } = await createExchangeSession({ client: createClient({ baseUrl }), path: { customerId }, body })
  if (error) return { problem: error.code, status: response.status }
  return { partner: data.partner, next: nextStep(data) }
}

export async function linkPlaid (baseUrl: string, customerId: string, publicToken: string) {
  const { data, error } = await createFundingSource({
    client: createClient({ baseUrl }),
    path: { customerId },
    headers: { 'idempotency-key': crypto.randomUUID() },
    body: { partner: 'plaid', publicToken, name: 'Jane Doe - Checking', bankAccountType: 'checking' }
  })
  if (error) return { problem: error.code }
  return { fundingSourceId: data.fundingSourceId, status: data.status }
}

// @ts-expect-error the SDK knows the partners
export const unknownPartner: CreateExchangeSessionData['body'] = { partner: 'finicity' }
`

const ZOD_APP = `
import { createApiClient, schemas } from './zod.js'
import type { z } from 'zod'

type Session = z.infer<typeof schemas.ExchangeSession>

/** Compiles only if the union narrows on partner, visa included. */
export function nextStep (session: Session): string {
  if (session.partner === 'plaid') return session.linkToken
  if (session.partner === 'visa') return session.exchangeSessionUrl
  return session.exchangeSessionUrl
}

/** The problem a refused call answered, validated against the contract's ProblemDetails. */
function problemOf (error: unknown) {
  const { status, data } = (error as { response: { status: number, data: unknown } }).response
  return { problem: schemas.ProblemDetails.parse(data).code, status }
}

export async function start (baseUrl: string, customerId: string, body: z.infer<typeof schemas.createExchangeSession_Body>) {
  try {
    const session = await createApiClient(baseUrl).createExchangeSession(body, { params: { customerId } })
    return { partner: session.partner, next: nextStep(session) }
  } catch (error) {
    return problemOf(error)
  }
}

export async function linkPlaid (baseUrl: string, customerId: string, publicToken: string) {
  const source = await createApiClient(baseUrl).createFundingSource(
    { partner: 'plaid', publicToken, name: 'Jane Doe - Checking', bankAccountType: 'checking' },
    { params: { customerId }, headers: { 'idempotency-key': crypto.randomUUID() } }
  )
  return { fundingSourceId: source.fundingSourceId, status: source.status }
}
`


interface App {
  start (baseUrl: string, customerId: string, body: unknown): Promise<Record<string, unknown>>
  linkPlaid (baseUrl: string, customerId: string, publicToken: string): Promise<Record<string, unknown>>
}

/** Both clients generated from openapi.yaml with the apps above, type-checked, compiled and imported, once for the file. */
async function generate (dir: string) {
  await createClient({ input: CONTRACT.pathname, output: { path: join(dir, 'hey'), importFileExtension: '.js' }, logs: { level: 'silent' } })
  const openApiDoc = parse(await readFile(CONTRACT, 'utf8')) as Parameters<typeof generateZodClientFromOpenAPI>[0]['openApiDoc']
  await generateZodClientFromOpenAPI({ openApiDoc, distPath: join(dir, 'zod.ts'), options: { withAlias: true, shouldExportAllSchemas: true } })
  await writeFile(join(dir, 'hey-app.ts'), HEY_API_APP)
  await writeFile(join(dir, 'zod-app.ts'), ZOD_APP)
  const program = ts.createProgram([join(dir, 'hey-app.ts'), join(dir, 'zod-app.ts')], STRICT_COMPILER_OPTIONS)
  const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) =>
    `${diagnostic.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`)
  program.emit()
  const load = async (file: string) => await import(pathToFileURL(join(dir, file)).href) as App
  return { diagnostics, apps: { 'hey-api': await load('hey-app.js'), 'openapi-zod-client': await load('zod-app.js') } }
}

t.test('a typed SDK and a zod client generated from openapi.yaml type-check and work against the live service', async (t) => {
  const { diagnostics, apps } = await generate(t.testdir())
  t.same(diagnostics, [], 'both apps type-check under strict, partner narrowing included')

  const stack = await startStack(t)
  const { app, customerId } = stack
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  const flows = partnerFlows(stack)
  for (const [generator, client] of Object.entries(apps)) {
    const start = (body: object) => client.start(baseUrl, customerId, body)
    t.match(await start({ partner: 'visa', redirectUrl: REDIRECTS.visa }), { partner: 'visa', next: /\/simulator\/bank\// }, `${generator}: Visa`)
    t.match(await start({ partner: 'plaid' }), { partner: 'plaid', next: /^link-/ }, `${generator}: Plaid`)
    t.match(await start({ partner: 'mx' }), { partner: 'mx', next: /\/simulator\/bank\// }, `${generator}: MX`)
    t.same(await start({ partner: 'visa' }), { problem: 'REDIRECT_URL_REQUIRED', status: 400 }, `${generator}: a problem`)
    t.match(await client.linkPlaid(baseUrl, customerId, await flows.plaidPublicToken()),
      { fundingSourceId: /^[0-9a-f-]{36}$/, status: 'verified' }, `${generator}: a funding source`)
  }
})
