import t, { type Test } from 'tap'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { JWKS_TIMING, type Config, type JwksTiming } from '../../src/config/shape.js'
import { startStack } from '../support/stack.js'
import { ec, forgedToken, hsEnv, jwk, rsa, token } from '../support/tokens.js'

type Behaviour = 'keys' | 'error' | 'hang' | 'huge'

/** A JWKS endpoint on loopback that serves `keys`, fails, hangs or floods, and counts its fetches. */
async function startJwks (t: Test) {
  const endpoint = {
    keys: [jwk(rsa.publicKey, 'key-1', 'RS256')] as unknown[],
    behaviour: 'keys' as Behaviour,
    fetches: 0,
    url: ''
  }
  const hung: ServerResponse[] = []
  const server = createServer((_request, response) => {
    endpoint.fetches++
    if (endpoint.behaviour === 'hang') return hung.push(response)
    if (endpoint.behaviour === 'error') return response.writeHead(500).end('{"error":"down"}')
    response.setHeader('content-type', 'application/json')
    if (endpoint.behaviour === 'keys') return response.end(JSON.stringify({ keys: endpoint.keys }))
    // 10 MB of keys, written as fast as the client reads.
    const chunk = Buffer.alloc(64 * 1024, ' ')
    let left = 160
    const write = () => { while (left-- > 0) if (!response.write(chunk)) return response.once('drain', write); response.end() }
    response.on('error', () => {})
    write()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`
  return endpoint
}

/** The service verifying with the endpoint's keys, listening on real HTTP. */
async function startVerifyingStack (t: Test, jwksUrl: string, { timing = {}, env = {} }: { timing?: Partial<JwksTiming>, env?: NodeJS.ProcessEnv } = {}) {
  const adjust = (config: Config): Config => config.auth.mode === 'jwt' && config.auth.key.source === 'jwks'
    ? { ...config, auth: { ...config.auth, key: { ...config.auth.key, timing: { ...JWKS_TIMING, ...timing } } } }
    : config
  const stack = await startStack(t, { env: { ...hsEnv, JWT_SECRET: '', JWT_JWKS_URL: jwksUrl, RATE_LIMIT_MAX: '1000', ...env }, adjust })
  const base = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  const post = async (bearer: string) => {
    const started = performance.now()
    const response = await fetch(`${base}/v1/customers/${stack.customerId}/exchange-sessions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: '{"partner":"mx"}'
    })
    return { status: response.status, headers: response.headers, body: await response.json() as Record<string, unknown>, ms: performance.now() - started }
  }
  return { ...stack, post }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('a key the endpoint no longer lists is refused from the next successful fetch on, cached verifications included', async (t) => {
  const jwks = await startJwks(t)
  const { post, customerId } = await startVerifyingStack(t, jwks.url, { timing: { refetchMs: 200 } })
  const old = token(customerId, { key: rsa.privatePem, algorithm: 'RS256', kid: 'key-1' })
  t.equal((await post(old)).status, 201)
  t.equal((await post(old)).status, 201)
  t.equal(jwks.fetches, 1, 'the set is cached')

  jwks.keys = [jwk(ec.publicKey, 'key-2', 'ES256')]
  await sleep(250)
  t.equal((await post(token(customerId, { key: ec.privatePem, algorithm: 'ES256', kid: 'key-2' }))).status, 201, 'the new key is fetched when first seen')
  t.equal(jwks.fetches, 2)
  const refused = await post(old)
  t.equal(refused.status, 401, 'the removed key is refused, although its token verified before')
  t.match(refused.body, { code: 'UNAUTHENTICATED', detail: /does not list the token's key/ })
  t.equal(refused.headers.get('www-authenticate'), 'Bearer realm="dwolla-open-banking-bff", error="invalid_token"')
})

t.test('a disallowed algorithm costs no fetch; unknown kids cost one fetch per interval, however many', async (t) => {
  const jwks = await startJwks(t)
  const { post, customerId } = await startVerifyingStack(t, jwks.url)
  const claims = { iss: 'https://id.example.com/', aud: 'dwolla-bff', sub: 'user-1', dwolla_customer_id: customerId, exp: Math.floor(Date.now() / 1000) + 60 }
  const disallowed = [
    token(customerId, { algorithm: 'HS256', kid: 'key-1' }),
    token(customerId, { key: rsa.privatePem, algorithm: 'RS384', kid: 'key-1' }),
    forgedToken({ alg: 'none', kid: 'key-1' }, claims),
    forgedToken({ kid: 'key-1' }, claims, 'c2ln')
  ]
  for (const bearer of disallowed) {
    const response = await post(bearer)
    t.equal(response.status, 401)
    t.match(response.body, { code: 'UNAUTHENTICATED' })
  }
  t.equal(jwks.fetches, 0, 'no fetch for an algorithm the key source never accepts')

  const unknown = Array.from({ length: 200 }, (_, i) => token(customerId, { key: rsa.privatePem, algorithm: 'RS256', kid: `kid-${i}` }))
  const answers = await Promise.all(unknown.map(post))
  t.same(new Set(answers.map(({ status }) => status)), new Set([401]))
  t.equal(jwks.fetches, 1, '200 unknown kids at once: one fetch')
  const again = []
  for (const bearer of unknown.slice(0, 50)) again.push((await post(bearer)).status)
  t.same(new Set(again), new Set([401]))
  t.equal(jwks.fetches, 1, 'and none more within the interval')
})

t.test('while the endpoint fails, the last set serves for a bounded time, never renewed by use; then 503', async (t) => {
  const jwks = await startJwks(t)
  const { post, customerId, logs } = await startVerifyingStack(t, jwks.url, { timing: { refreshMs: 100, refetchMs: 100, staleMs: 1500 } })
  const valid = token(customerId, { key: rsa.privatePem, algorithm: 'RS256', kid: 'key-1' })
  t.equal((await post(valid)).status, 201)
  const lastSuccess = Date.now()

  jwks.behaviour = 'error'
  const stale = []
  while (Date.now() - lastSuccess < 1200) {
    stale.push((await post(valid)).status)
    await sleep(150)
  }
  t.ok(stale.length >= 3 && stale.every((status) => status === 201), `the stale set serves while the endpoint answers 500 (${stale.length} requests)`)
  t.ok(jwks.fetches >= 3, 'each due refresh tried the endpoint')
  const unknown = await post(token(customerId, { key: ec.privatePem, algorithm: 'ES256', kid: 'key-new' }))
  t.equal(unknown.status, 503, 'a kid the stale set lacks may be a new key it could not fetch: 503, not 401')
  await sleep(1500 - (Date.now() - lastSuccess) + 100)
  const refused = await post(valid)
  t.equal(refused.status, 503, 'beyond the bound the set no longer serves')
  t.match(refused.body, { code: 'UPSTREAM_UNAVAILABLE', detail: /JWT_JWKS_URL/ })
  t.ok(Number(refused.headers.get('retry-after')) >= 1, 'with Retry-After')
  t.ok(logs.records().some((record) => record.msg === 'caller key set (JWT_JWKS_URL) fetch failed'), 'the failure is logged')

  jwks.behaviour = 'keys'
  await sleep(150)
  t.equal((await post(valid)).status, 201, 'the same token verifies once the endpoint answers: its 503 was not cached')
})

t.test('an endpoint that hangs costs a caller at most the fetch timeout: 503, not a held request', async (t) => {
  const jwks = await startJwks(t)
  jwks.behaviour = 'hang'
  const { post, customerId } = await startVerifyingStack(t, jwks.url)
  const valid = token(customerId, { key: rsa.privatePem, algorithm: 'RS256', kid: 'key-1' })
  const [first, second] = await Promise.all([post(valid), post(valid)])
  for (const response of [first!, second!]) {
    t.equal(response.status, 503)
    t.match(response.body, { code: 'UPSTREAM_UNAVAILABLE' })
    t.ok(response.ms < JWKS_TIMING.timeoutMs + 1500, `answered after ${Math.round(response.ms)} ms`)
  }
  t.equal(jwks.fetches, 1, 'one fetch for both')
  const throttled = await post(valid)
  t.equal(throttled.status, 503, 'within the refetch interval no new fetch is tried')
  t.ok(throttled.ms < 500)
  t.equal(jwks.fetches, 1)
})

t.test('a key set body over the cap is cut off: 503, quickly', async (t) => {
  const jwks = await startJwks(t)
  jwks.behaviour = 'huge'
  const { post, customerId } = await startVerifyingStack(t, jwks.url)
  const response = await post(token(customerId, { key: rsa.privatePem, algorithm: 'RS256', kid: 'key-1' }))
  t.equal(response.status, 503)
  t.match(response.body, { code: 'UPSTREAM_UNAVAILABLE' })
  t.ok(response.ms < 2000, `answered after ${Math.round(response.ms)} ms`)
})

t.test('junk from one client IP is rate-limited before it can make the service fetch keys', async (t) => {
  const jwks = await startJwks(t)
  const { post, customerId } = await startVerifyingStack(t, jwks.url, { timing: { refetchMs: 0 }, env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW: '2 seconds' } })
  const junk = () => token(customerId, { key: rsa.privatePem, algorithm: 'RS256', kid: `junk-${Math.random()}` })
  const statuses = []
  for (let i = 0; i < 10; i++) statuses.push((await post(junk())).status)
  t.same(statuses, [401, 401, 401, 429, 429, 429, 429, 429, 429, 429])
  t.equal(jwks.fetches, 4, 'only the first four reached the key source; the others were refused unverified')
  const blocked = await post(junk())
  t.match(blocked.body, { code: 'RATE_LIMITED', detail: /without a valid token from this address/ })
  t.ok(Number(blocked.headers.get('retry-after')) >= 1)
  await sleep(Number(blocked.headers.get('retry-after')) * 1000 + 100)
  t.equal((await post(junk())).status, 401, 'the block ends with the window')
})

t.test('keys that cannot verify are left out of the set; a body without a keys array is a failed fetch', async (t) => {
  const jwks = await startJwks(t)
  const rsaWithoutModulus: Record<string, unknown> = jwk(rsa.publicKey, 'broken', 'RS256')
  delete rsaWithoutModulus.n
  const withoutKid: Record<string, unknown> = jwk(rsa.publicKey, 'unnamed', 'RS256')
  delete withoutKid.kid
  jwks.keys = [{ ...jwk(rsa.publicKey, 'for-encryption', 'RS256'), use: 'enc' }, rsaWithoutModulus, withoutKid, jwk(ec.publicKey, 'key-2', 'ES256')]
  const { post, customerId } = await startVerifyingStack(t, jwks.url, { timing: { refetchMs: 0 } })
  const signed = (kid: string) => token(customerId, { key: rsa.privatePem, algorithm: 'RS256', kid })
  for (const kid of ['for-encryption', 'broken']) {
    const response = await post(signed(kid))
    t.equal(response.status, 401, kid)
    t.match(response.body, { code: 'UNAUTHENTICATED', detail: /does not list/ }, kid)
  }
  t.equal((await post(token(customerId, { key: ec.privatePem, algorithm: 'ES256', kid: 'key-2' }))).status, 201, 'the good key in the same set')

  jwks.keys = undefined as unknown as unknown[]
  const response = await post(signed('anything'))
  t.equal(response.status, 503, 'a set without keys is not a successful fetch')
  t.match(response.body, { code: 'UPSTREAM_UNAVAILABLE' })
})
