import { execFile } from 'node:child_process'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'

const run = promisify(execFile)
const script = new URL('../../scripts/test-packages.sh', import.meta.url).pathname

// What apt-get would do: log its arguments, and on install put each package's command on the PATH
// (kubernetes-client's is kubectl).
const FAKE_APT_GET = `#!/bin/sh
echo "$*" >> "\${0%/*}/apt-get.log"
[ "$1" = install ] || exit 0
for word in "$@"; do
  case "$word" in install|-*) continue ;; kubernetes-client) word=kubectl ;; esac
  printf '#!/bin/sh\\n' > "\${0%/*}/$word"; /bin/chmod +x "\${0%/*}/$word"
done
`
const COMMANDS = ['redis-server', 'chromium', 'nginx', 'kubectl']

/** A PATH of one folder holding only the given commands, so the suite's packages are missing unless listed. */
async function pathWith (t: Test, commands: { aptGet?: boolean; uid: number; present?: string[] }) {
  const bin = await mkdtemp(join(tmpdir(), 'test-packages-'))
  t.teardown(() => rm(bin, { recursive: true, force: true }))
  const executable = async (name: string, text: string) => {
    await writeFile(join(bin, name), text)
    await chmod(join(bin, name), 0o755)
  }
  await executable('id', `#!/bin/sh\necho ${commands.uid}\n`)
  if (commands.aptGet) await executable('apt-get', FAKE_APT_GET)
  for (const name of commands.present ?? []) await executable(name, '#!/bin/sh\n')
  const apt = () => readFile(join(bin, 'apt-get.log'), 'utf8').then((log) => log.trim().split('\n'), () => [])
  const pretest = () => run('/bin/sh', [script], { env: { PATH: bin } })
  const has = (name: string) => run('/bin/sh', ['-c', `command -v ${name}`], { env: { PATH: bin } }).then(() => true, () => false)
  return { apt, pretest, has }
}

t.test('as root with apt-get, the missing packages are installed and then present', async (t) => {
  const path = await pathWith(t, { aptGet: true, uid: 0 })
  const present = () => Promise.all(COMMANDS.map((name) => path.has(name)))
  t.same(await present(), [false, false, false, false], 'missing before')
  const { stdout, stderr } = await path.pretest()
  t.equal(stdout, 'npm test: installing redis-server chromium nginx kubernetes-client with apt-get\n')
  t.equal(stderr, '')
  t.same(await path.apt(), ['update -qq', 'install -y -qq redis-server chromium nginx kubernetes-client'])
  t.same(await present(), [true, true, true, true], 'present after')
})

t.test('only what is missing is installed; nothing at all when everything is there', async (t) => {
  const some = await pathWith(t, { aptGet: true, uid: 0, present: ['chromium', 'nginx'] })
  await some.pretest()
  t.same(await some.apt(), ['update -qq', 'install -y -qq redis-server kubernetes-client'])
  const all = await pathWith(t, { aptGet: true, uid: 0, present: COMMANDS })
  t.same(await all.pretest(), { stdout: '', stderr: '' })
  t.same(await all.apt(), [], 'apt-get is not run')
})

const ONE_LINE = 'npm test needs redis-server chromium nginx kubernetes-client: install with apt-get install redis-server chromium nginx kubernetes-client (as root), then run npm test again\n'

t.test('not root: nothing is installed and one line says what to install', async (t) => {
  const path = await pathWith(t, { aptGet: true, uid: 1000 })
  t.same(await path.pretest(), { stdout: '', stderr: ONE_LINE })
  t.same(await path.apt(), [])
})

t.test('no apt-get: one line says what to install', async (t) => {
  const path = await pathWith(t, { uid: 0 })
  t.same(await path.pretest(), { stdout: '', stderr: ONE_LINE })
})
