import { spawn } from 'node:child_process'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { freePort } from './redis.js'
import { eventually } from './eventually.js'

const MISSING_NGINX = 'nginx is not installed: apt-get install nginx (as root), then run npm test again'

/** As ingress-nginx proxies: keep-alive connections to the upstreams, and what live-event streams need. */
const config = (dir: string, port: number, upstreams: readonly string[]) => `
worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client-body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream replicas {
${upstreams.map((upstream) => `    server ${upstream};`).join('\n')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 3600s;
    }
  }
}
`

/**
 * A throwaway nginx (Debian's package; npm test's pretest installs it) in front of the given
 * upstreams (host:port), its config, log and pid in a temp folder; stopped when the test ends.
 * setUpstreams rewrites the config and reloads, as an endpoint change makes a proxy do.
 */
export async function startNginx (t: Test, upstreams: readonly string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'nginx-'))
  // Run as root, nginx's workers are another user, who must reach the temp paths.
  await chmod(dir, 0o755)
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const port = await freePort()
  const conf = join(dir, 'nginx.conf')
  await writeFile(conf, config(dir, port, upstreams))
  const nginx = spawn('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'inherit'] })
  const exited = new Promise((resolve) => nginx.once('exit', resolve))
  t.teardown(async () => {
    nginx.kill('SIGQUIT')
    await exited
  })
  await new Promise<void>((resolve, reject) => {
    nginx.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new Error(MISSING_NGINX) : error))
    nginx.once('spawn', resolve)
  })
  const url = `http://127.0.0.1:${port}`
  await eventually(() => fetch(`${url}/health/live`).then(() => true, () => false))
  return {
    url,
    errorLog: () => readFile(join(dir, 'error.log'), 'utf8'),
    setUpstreams: async (next: readonly string[]) => {
      await writeFile(conf, config(dir, port, next))
      // What `nginx -s reload` sends the master.
      nginx.kill('SIGHUP')
    }
  }
}
