// Starts the release-built server on a free port with a fresh SQLite database
// holding the demo data, and stops it when the run ends.
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const binary = join(root, 'target', 'release', 'tenant-voice');

export default async function globalSetup(): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tenant-voice-e2e-'));
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${join(dataDir, 'tenant-voice.db')}`,
    LEPTOS_SITE_ROOT: join(root, 'target', 'site'),
    LEPTOS_SITE_ADDR: '127.0.0.1:0',
    DEMO: 'true',
    // No mail server: emails become .eml files here, where tests read them.
    OUTBOX_DIR: join(dataDir, 'outbox'),
    RUST_LOG: 'warn',
  };
  delete env.BASE_URL;
  delete env.SMTP_URL;
  process.env.TENANT_VOICE_OUTBOX = env.OUTBOX_DIR;

  const demo = spawnSync(binary, ['demo'], { env, encoding: 'utf8' });
  if (demo.status !== 0) {
    throw new Error(`loading the demo data failed: ${demo.stderr || demo.error}`);
  }

  const server: ChildProcess = spawn(binary, ['serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const baseURL = await new Promise<string>((resolveAddress, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start within 60 s')), 60_000);
    server.once('exit', (code) => reject(new Error(`the server stopped at start (exit ${code})`)));
    let output = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (match) {
        clearTimeout(timer);
        resolveAddress(match[0]);
      }
    });
  });
  process.env.TENANT_VOICE_URL = baseURL;

  return async () => {
    server.kill('SIGTERM');
    await new Promise((done) => server.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  };
}
