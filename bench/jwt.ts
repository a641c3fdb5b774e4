// Caller-token verifications per second, with and without fast-jwt's verification cache.
// Run: node --import @tapjs/typescript/import bench/jwt.ts
import { generateKeyPairSync } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import { pino } from 'pino'
import { createCallerVerifier, type JwtAuth } from '../src/auth/caller-verifier.js'

const DURATION_MS = 2000
const base = { issuer: 'https://id.example.com/', audience: 'bff', customerClaim: 'dwolla_customer_id', maxLifetimeSeconds: 86_400, cookie: undefined }
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const { publicKey: ecPublic, privateKey: ecPrivate } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const pem = (key: typeof publicKey) => key.export({ type: 'spki', format: 'pem' }).toString()
const secret = 'a-benchmark-hs256-secret-of-32-bytes!'

const setups: Array<[string, JwtAuth, { key: string, algorithm: 'HS256' | 'RS256' | 'ES256' }]> = [
  ['HS256', { ...base, mode: 'jwt', key: { source: 'secret', secret, algorithms: ['HS256'] } }, { key: secret, algorithm: 'HS256' }],
  ['RS256', { ...base, mode: 'jwt', key: { source: 'publicKey', pem: pem(publicKey), algorithms: ['RS256'] } }, { key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'RS256' }],
  ['ES256', { ...base, mode: 'jwt', key: { source: 'publicKey', pem: pem(ecPublic), algorithms: ['ES256'] } }, { key: ecPrivate.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'ES256' }]
]

for (const [name, auth, signing] of setups) {
  const sign = createSigner({ ...signing, iss: base.issuer, aud: base.audience, sub: 'user-1', expiresIn: 600_000 })
  // A realistic mix: 100 callers, each sending its token again and again.
  const tokens = Array.from({ length: 100 }, (_, i) => sign({ dwolla_customer_id: `customer-${i}` }))
  for (const cache of [false, true]) {
    const verify = createCallerVerifier(auth, pino({ enabled: false }), { cache })
    let count = 0
    const end = performance.now() + DURATION_MS
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) await verify(tokens[(count + i) % tokens.length] ?? '')
      count += 100
    }
    process.stdout.write(`${name.padEnd(6)} cache ${cache ? 'on ' : 'off'}  ${Math.round(count / (DURATION_MS / 1000)).toLocaleString('en-US').padStart(10)} verifications/s\n`)
  }
}
