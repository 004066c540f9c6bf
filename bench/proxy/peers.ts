// The reference proxies, configured as a site would run them in front of one server:
// configurable-http-proxy 5 (JupyterHub's) and nginx with keep-alive to the upstream.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHP_BIN, freePort, NGINX_BIN, startCommand, tempDir, waitForPort } from './processes.js';

/** Resolves with its URL and pid (one Node.js process). */
export async function startChp(upstreamPort: number): Promise<{ url: string; pid: number }> {
  const port = await freePort();
  const apiPort = await freePort();
  const child = startCommand(CHP_BIN, [
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--api-ip',
    '127.0.0.1',
    '--api-port',
    String(apiPort),
    '--default-target',
    `http://127.0.0.1:${upstreamPort}`,
    '--log-level',
    'error',
  ]);
  await waitForPort(port, 'configurable-http-proxy');
  return { url: `http://127.0.0.1:${port}`, pid: child.pid as number };
}

/** nginx with `workers` worker processes ('auto': one per core). */
export async function startNginx(upstreamPort: number, workers: number | 'auto'): Promise<string> {
  const port = await freePort();
  const dir = tempDir('hpchub-bench-nginx-');
  const conf = `
worker_processes ${workers};
daemon off;
master_process on;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  startCommand(NGINX_BIN, ['-p', dir, '-c', join(dir, 'nginx.conf')]);
  await waitForPort(port, 'nginx');
  return `http://127.0.0.1:${port}`;
}
