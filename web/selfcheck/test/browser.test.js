// The browser client (real headless Chromium) and the Rust client (`doxwatch check`) against
// the same `doxwatch leakset serve`: a planted phone is found, a clean one is not.
// Needs the doxwatch binary (DOXWATCH_BIN, default ../target/debug/doxwatch: `cargo build`) and
// Chromium (CHROMIUM, default /usr/bin/chromium). Synthetic data only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = process.env.DOXWATCH_BIN || resolve(here, '../../../target/debug/doxwatch');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function run(args) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', env: { ...process.env, DOXWATCH_HASH_KEY: '' } });
  return r;
}

async function freePort() {
  return new Promise((ok) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitFor(port) {
  for (let i = 0; i < 200; i++) {
    const up = await new Promise((ok) => {
      const c = net.connect(port, '127.0.0.1', () => { c.end(); ok(true); });
      c.on('error', () => ok(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('server did not start');
}

test('browser and Rust clients agree against one server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'doxwatch-selfcheck-'));
  let server;
  let browser;
  try {
    let csv = '';
    for (let i = 0; i < 100; i++) csv += `某${i},1380013${String(i).padStart(4, '0')}\n`;
    writeFileSync(join(dir, 'dump.csv'), csv);
    assert.equal(run(['key', 'generate', join(dir, 'hash.key')]).status, 0);
    const b = run(['leakset', 'build', '--key-file', join(dir, 'hash.key'), '--out', join(dir, 's.leakset'),
      '--name', 's', '--source', 'synthetic', '--date', '2025-06-01', '--map', 'phone=2',
      '--oprf-key', join(dir, 's.oprf.key'), join(dir, 'dump.csv')]);
    assert.equal(b.status, 0, b.stderr);
    const port = await freePort();
    server = spawn(BIN, ['leakset', 'serve', join(dir, 's.leakset'), '--oprf-key', join(dir, 's.oprf.key'),
      '--listen', `127.0.0.1:${port}`, '--per-minute', '600', '--burst', '50'], { stdio: 'ignore' });
    await waitFor(port);
    const url = `http://127.0.0.1:${port}`;

    // The Rust client.
    assert.equal(run(['check', '--phone', '138 0013 0042', '--server', url]).status, 0);
    assert.equal(run(['check', '--phone', '13800138765', '--server', url]).status, 1);

    // The browser client, through the page the server ships.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage();
    await page.goto(`${url}/selfcheck/`);
    const ask = async (value) => {
      await page.fill('input[name=value]', value);
      await page.click('button[type=submit]');
      await page.waitForFunction(() => ['found', 'clean', 'error'].includes(document.getElementById('result').dataset.state));
      const state = await page.getAttribute('#result', 'data-state');
      await page.evaluate(() => { document.getElementById('result').dataset.state = 'idle'; });
      return state;
    };
    assert.equal(await ask('+86 138-0013-0042'), 'found');
    assert.equal(await ask('13800138765'), 'clean');
    assert.equal(await ask('12345'), 'error');
  } finally {
    await browser?.close();
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
