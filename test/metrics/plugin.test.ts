import t from 'tap'
import { buildSandboxApp, startStack } from '../support/stack.js'

t.test('with METRICS_PORT, /metrics is served on its own listener and is a 404 problem on the API port', async (t) => {
  const { app, logs } = await startStack(t, { env: { METRICS_PORT: '0' } })
  const api = await app.listen({ port: 0, host: '127.0.0.1' })
  const listening = logs.records().find((record) => record.listener === 'metrics' && /^Server listening at /.test(String(record.msg)))
  const metricsUrl = /(http:\/\/127\.0\.0\.1:\d+)$/.exec(String(listening?.msg))?.[1]
  t.ok(metricsUrl, 'the metrics listener says where it listens, on loopback by default')

  const onApi = await fetch(`${api}/metrics`)
  t.equal(onApi.status, 404)
  t.match(onApi.headers.get('content-type'), /^application\/problem\+json/)
  t.match(await onApi.json(), { code: 'NOT_FOUND' })

  const scraped = await fetch(`${metricsUrl}/metrics`)
  t.equal(scraped.status, 200)
  t.match(scraped.headers.get('content-type'), /^text\/plain/)
  t.match(await scraped.text(), /http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/,
    "the API port's requests are counted")

  await app.close()
  await t.rejects(fetch(`${metricsUrl}/metrics`), 'the metrics listener closes with the service')
})

t.test('in production without METRICS_PORT, /metrics is not served at all', async (t) => {
  const app = await buildSandboxApp(t, { env: {
    NODE_ENV: 'production',
    AUTH_MODE: 'jwt',
    JWT_SECRET: 'metrics-test-secret-0123456789abcdef',
    JWT_ISSUER: 'https://id.example.com/',
    JWT_AUDIENCE: 'bff'
  } })
  const api = await app.listen({ port: 0, host: '127.0.0.1' })
  const response = await fetch(`${api}/metrics`)
  t.equal(response.status, 404)
  t.match(await response.json(), { code: 'NOT_FOUND' })
})
