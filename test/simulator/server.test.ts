import { once } from 'node:events'
import t from 'tap'
import { startLogging, tsEntry } from '../processes.js'
import { HAL } from './helpers.js'

t.test('npm run simulator: reads its environment, says what it is, never logs the secret, stops on SIGTERM', async (t) => {
  const { child, records, readyRecord } = await startLogging(t, tsEntry('../src/simulator/server.ts'), {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DWOLLA_KEY: 'server-key',
      DWOLLA_SECRET: 'server-secret-value',
      REDIRECT_URLS: 'https://app.example/cb, com.example.app123',
      SIMULATOR_PUBLIC_URL: 'https://bank.example.test'
    }
  }, (record) => record.msg.startsWith('Dwolla API simulator'))
  t.match(readyRecord.demoCustomerId, /^[0-9a-f-]{36}$/, 'a demo customer to start with')
  const address = String(readyRecord.address)
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
  t.notMatch(JSON.stringify(records), 'server-secret-value')
})
