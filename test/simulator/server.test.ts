import { once } from 'node:events'
import t from 'tap'
import { captureLogs } from '../support/logs.js'
import { testConfig } from '../support/stack.js'
import { startLogging, tsEntry } from '../support/processes.js'
import { createLogger } from '../../src/logger.js'
import { startEmbeddedSimulator } from '../../src/simulator/embedded.js'
import { HAL } from '../support/simulator.js'

t.test('npm run simulator: reads its environment, says what it is, never logs the secret, stops on SIGTERM', async (t) => {
  const { child, records, readyRecord } = await startLogging(t, {
    command: tsEntry('src/simulator/server.ts'),
    env: {
      ...process.env,
      PORT: '0',
      // Unset: the control endpoints (/__simulator/*) stay on loopback unless HOST asks otherwise.
      HOST: '',
      LOG_LEVEL: 'info',
      DWOLLA_KEY: 'server-key',
      DWOLLA_SECRET: 'server-secret-value',
      REDIRECT_URLS: 'https://app.example/cb, com.example.app123',
      SIMULATOR_PUBLIC_URL: 'https://bank.example.test'
    },
    ready: (record) => record.msg.startsWith('Dwolla API simulator')
  })
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

t.test('the embedded simulator listens on loopback even when the service listens on every address', async (t) => {
  const config = testConfig({ HOST: '0.0.0.0', SIMULATOR_PORT: '0' })
  const embedded = await startEmbeddedSimulator(config, createLogger('silent', captureLogs().stream))
  t.teardown(() => embedded.simulator.close())
  t.match(embedded.simulator.server.address(), { address: '127.0.0.1' })
})
