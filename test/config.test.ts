import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

t.test('with no environment the service runs against the simulator', async (t) => {
  const config = loadConfig({})
  t.equal(config.port, 3000)
  t.equal(config.host, '0.0.0.0')
  t.equal(config.logLevel, 'info')
  t.equal(config.dwolla.env, 'simulator')
  t.equal(config.dwolla.apiUrl, undefined, 'known once the simulator listens')
  t.equal(config.dwolla.timeoutMs, 5000)
  t.match(config.dwolla.key, /^[0-9a-f]{32}$/, 'fresh simulator credentials')
  t.not(loadConfig({}).dwolla.secret, config.dwolla.secret)
  t.same(config.registeredRedirects, ['http://localhost:3000/demo/callback'], "the demo's callback")
  t.same(config.simulator, { port: 3001, publicUrl: undefined })
  t.equal(config.docsEnabled, true, 'Swagger UI at /docs')
})

t.test('credentials select the sandbox and its URL', async (t) => {
  const config = loadConfig({ DWOLLA_KEY: 'k', DWOLLA_SECRET: 's', REDIRECT_URLS: 'https://a.example/cb, com.example.app ,' })
  t.equal(config.dwolla.env, 'sandbox')
  t.equal(config.dwolla.apiUrl, 'https://api-sandbox.dwolla.com')
  t.same(config.registeredRedirects, ['https://a.example/cb', 'com.example.app'])
  t.equal(config.dwolla.key, 'k')
  t.equal(config.dwolla.secret, 's')
})

t.test('production has its own URL; DWOLLA_API_URL overrides it', async (t) => {
  t.equal(loadConfig({ DWOLLA_ENV: 'production', DWOLLA_KEY: 'k', DWOLLA_SECRET: 's' }).dwolla.apiUrl, 'https://api.dwolla.com')
  const config = loadConfig({ DWOLLA_ENV: 'sandbox', DWOLLA_KEY: 'k', DWOLLA_SECRET: 's', DWOLLA_API_URL: 'http://127.0.0.1:4010/' })
  t.equal(config.dwolla.apiUrl, 'http://127.0.0.1:4010')
  t.same(config.registeredRedirects, [], 'no demo callback outside the simulator')
  t.equal(config.docsEnabled, false, 'no docs outside the simulator unless asked')
})

t.test('DOCS_ENABLED switches the docs either way', async (t) => {
  t.equal(loadConfig({ DOCS_ENABLED: 'false' }).docsEnabled, false)
  t.equal(loadConfig({ DWOLLA_KEY: 'k', DWOLLA_SECRET: 's', DOCS_ENABLED: 'true' }).docsEnabled, true)
})

t.test('numbers are read from strings and empty values count as unset', async (t) => {
  const config = loadConfig({ PORT: '8080', UPSTREAM_TIMEOUT_MS: '250', HOST: '', SIMULATOR_PUBLIC_URL: 'http://localhost:3001/' })
  t.equal(config.port, 8080)
  t.equal(config.host, '0.0.0.0')
  t.equal(config.dwolla.timeoutMs, 250)
  t.same(config.registeredRedirects, ['http://localhost:8080/demo/callback'])
  t.equal(config.simulator.publicUrl, 'http://localhost:3001')
})

const bad: Array<[NodeJS.ProcessEnv, RegExp]> = [
  [{ PORT: 'eighty' }, /^PORT: /],
  [{ PORT: '70000' }, /^PORT: .*"70000"/],
  [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
  [{ DWOLLA_ENV: 'staging' }, /^DWOLLA_ENV: /],
  [{ DWOLLA_ENV: 'sandbox' }, /^DWOLLA_KEY: required when DWOLLA_ENV is sandbox/],
  [{ DWOLLA_ENV: 'production', DWOLLA_KEY: 'k' }, /^DWOLLA_SECRET: required when DWOLLA_ENV is production/],
  [{ DWOLLA_API_URL: 'api.dwolla.com' }, /^DWOLLA_API_URL: /],
  [{ DWOLLA_API_URL: 'https://api.dwolla.com/v2' }, /^DWOLLA_API_URL: /],
  [{ UPSTREAM_TIMEOUT_MS: '0' }, /^UPSTREAM_TIMEOUT_MS: /],
  [{ DOCS_ENABLED: 'yes' }, /^DOCS_ENABLED: /]
]
for (const [env, message] of bad) {
  t.test(`refuses ${JSON.stringify(env)} naming the variable`, async (t) => {
    t.throws(() => loadConfig(env), ConfigError)
    t.throws(() => loadConfig(env), { message })
  })
}
