import { randomUUID } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import t, { type Test } from 'tap'
import ts from 'typescript'
import { STRICT_COMPILER_OPTIONS } from '../support/strict-compiler.js'
import { REDIRECTS, startStack } from '../support/stack.js'
import { partnerFlows } from '../support/partner-flows.js'

// What a customer's TypeScript app writes against types generated from openapi.yaml.
const CLIENT = `
import createClient from 'openapi-fetch'
import type { paths } from './bff.js'

type SessionRequest = paths['/v1/customers/{customerId}/exchange-sessions']['post']['requestBody']['content']['application/json']

/** Where to send the user next, or the problem's code. */
export async function startVerification (baseUrl: string, customerId: string, body: SessionRequest) {
  const bff = createClient<paths>({ baseUrl })
  const { data, error } = await bff.POST('/v1/customers/{customerId}/exchange-sessions', {
    params: { path: { customerId } },
    body
  })
  if (error) return { problem: error.code, status: error.status }
  return data.partner === 'plaid' ? { linkToken: data.linkToken } : { open: data.exchangeSessionUrl }
}

// @ts-expect-error the generated types know the partners
export const unknownPartner: SessionRequest = { partner: 'finicity' }

type FundingSourceRequest = paths['/v1/customers/{customerId}/funding-sources']['post']['requestBody']['content']['application/json']

/** The bank Plaid Link's public token verifies, or the problem's code. */
export async function linkPlaidBank (baseUrl: string, customerId: string, publicToken: string, idempotencyKey: string) {
  const bff = createClient<paths>({ baseUrl })
  const { data, error } = await bff.POST('/v1/customers/{customerId}/funding-sources', {
    params: { path: { customerId }, header: { 'idempotency-key': idempotencyKey } },
    body: { partner: 'plaid', publicToken, name: 'Jane Doe - Checking', bankAccountType: 'checking' }
  })
  if (error) return { problem: error.code, status: error.status }
  return { fundingSourceId: data.fundingSourceId, bankName: data.bankName, status: data.status }
}

// @ts-expect-error a Plaid grant is a public token, not Visa's exchange id
export const mixedGrant: FundingSourceRequest = { partner: 'plaid', exchangeId: 'e5e9f2d3-a96c-4abd-a097-8ec7ae28aa8a', name: 'Savings', bankAccountType: 'savings' }
`


interface Client {
  startVerification (baseUrl: string, customerId: string, body: unknown): Promise<Record<string, unknown>>
  linkPlaidBank (baseUrl: string, customerId: string, publicToken: string, idempotencyKey: string): Promise<Record<string, unknown>>
}

/** Types generated from openapi.yaml and the client above, type-checked and compiled in a fixture under the project. */
async function generateClient (t: Test) {
  const dir = t.testdir()
  await writeFile(join(dir, 'bff.ts'), astToString(await openapiTS(new URL('../../openapi.yaml', import.meta.url))))
  await writeFile(join(dir, 'client.ts'), CLIENT)
  const program = ts.createProgram([join(dir, 'client.ts')], STRICT_COMPILER_OPTIONS)
  const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
  program.emit()
  return { diagnostics, client: await import(pathToFileURL(join(dir, 'client.js')).href) as Client }
}

t.test('a client generated from openapi.yaml type-checks and works against the live service', async (t) => {
  const { diagnostics, client } = await generateClient(t)
  t.same(diagnostics, [], 'the client type-checks against the generated types')

  const stack = await startStack(t)
  const { app, customerId } = stack
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  const start = (body: unknown) => client.startVerification(baseUrl, customerId, body)

  t.match(await start({ partner: 'visa', redirectUrl: REDIRECTS.visa }), { open: /\/simulator\/bank\// })
  t.match(await start({ partner: 'plaid' }), { linkToken: /^link-/ })
  t.match(await start({ partner: 'plaid', platform: 'android', redirectUrl: REDIRECTS.android }), { linkToken: /^link-/ })
  t.match(await start({ partner: 'plaid', platform: 'ios', redirectUrl: REDIRECTS.ios }), { linkToken: /^link-/ })
  t.match(await start({ partner: 'mx' }), { open: /\/simulator\/bank\// })
  t.same(await start({ partner: 'visa' }), { problem: 'REDIRECT_URL_REQUIRED', status: 400 })

  const publicToken = await partnerFlows(stack).plaidPublicToken()
  const key = randomUUID()
  const linked = await client.linkPlaidBank(baseUrl, customerId, publicToken, key)
  t.match(linked, { fundingSourceId: /^[0-9a-f-]{36}$/, bankName: 'SANDBOX TEST BANK', status: 'verified' })
  t.same(await client.linkPlaidBank(baseUrl, customerId, publicToken, key), linked, 'a retry with its key answers the same')
  t.same(await client.linkPlaidBank(baseUrl, customerId, publicToken, randomUUID()), { problem: 'EXCHANGE_TOKEN_INVALID', status: 422 },
    'the public token is single-use')
})
