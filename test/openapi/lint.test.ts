import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import t from 'tap'

const root = new URL('../..', import.meta.url)

interface LintReport {
  totals: { errors: number; warnings: number }
  problems: Array<{ ruleId: string; message: string; location: Array<{ pointer: string }> }>
}

t.test("openapi.yaml passes Redocly's recommended rules, as redocly.yaml configures them, with no error or warning", async (t) => {
  const { stdout } = await promisify(execFile)(new URL('node_modules/.bin/redocly', root).pathname, ['lint', 'openapi.yaml', '--format=json'], {
    cwd: root.pathname,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }
  })
  const report = JSON.parse(stdout) as LintReport
  t.same(report.problems.map(({ ruleId, message, location }) => `${ruleId} at ${location[0]?.pointer}: ${message}`), [])
  t.same(report.totals, { errors: 0, warnings: 0, ignored: 0 })
})
