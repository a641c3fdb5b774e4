import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { HAL } from './helpers.js'

const entry = fileURLToPath(new URL('../../src/simulator/server.ts', import.meta.url))

t.test('npm run simulator: reads its environment, says what it is, never logs the secret, stops on SIGTERM', async (t) => {
  // The parent's execArgv carries the TypeScript loader the tests themselves run under.
  const child = spawn(process.execPath, [...process.execArgv, entry], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DWOLLA_KEY: 'server-key',
      DWOLLA_SECRET: 'server-secret-value',
      REDIRECT_URLS: 'https://app.example/cb, com.example.app123',
      SIMULATOR_PUBLIC_URL: 'https://bank.example.test'
    },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  t.teardown(() => { child.kill('SIGKILL') })
  const lines: string[] = []
  let address = ''
  for await (const line of createInterface({ input: child.stdout })) {
    lines.push(line)
    const record = JSON.parse(line) as { msg: string; address?: string; demoCustomerId?: string }
    if (record.msg.startsWith('Dwolla API simulator')) {
      t.match(record.demoCustomerId, /^[0-9a-f-]{36}$/, 'a demo customer to start with')
      address = record.address as string
      break
    }
  }
  t.match(address, /^http:\/\/127\.0\.0\.1:\d+$/)

  const basic = `Basic ${Buffer.from('server-key:server-secret-value').toString('base64')}`
  const token = await fetch(`${address}/token`, {
    method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials'
  })
  t.equal(token.status, 200)
  const { access_token: accessToken } = await token.json() as { access_token: string }
  const partners = await fetch(`${address}/exchange-partners`, { headers: { accept: HAL, authorization: `Bearer ${accessToken}` } })
  t.equal(partners.status, 200)

  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  t.equal(code, 0)
  t.notMatch(lines.join('\n'), 'server-secret-value')
})
