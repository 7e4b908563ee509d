import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeHtmlReport } from '../../../../lambda/adapters/local/html-report.ts';
import type { CheckReport } from '../../../../lambda/pipeline.ts';
import { HOSTILE_IDENT, realisticFleet } from '../../core/report/fleet.ts';

const CHROMIUM = '/usr/bin/chromium';
const DEADLINE_MS = 30_000;

const work = mkdtempSync(join(tmpdir(), 'port22-html-'));
after(() => rmSync(work, { recursive: true, force: true }));

/**
 * Chromium may phone home (variations, safe browsing) whatever its flags say, and nothing here may send a
 * packet off this machine: it runs inside a fresh network namespace, which has only a loopback that is down.
 * `unshare -n` needs root; `-r` maps an unprivileged user to root in a user namespace where allowed.
 */
function isolation(): string[] | undefined {
  for (const args of [['-n'], ['-r', '-n']]) {
    if (spawnSync('unshare', [...args, 'true'], { timeout: 5_000 }).status === 0) return ['unshare', ...args];
  }
  return undefined;
}

function whyNotChromium(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is not installed (Debian package chromium)`;
  if (isolation() === undefined)
    return 'cannot create a network namespace (unshare -n) to keep Chromium offline';
  return undefined;
}

/** Runs headless Chromium on a file, in its own process group, killed whole after DEADLINE_MS. */
function chromium(
  args: string[],
  file: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, ...prefix] = isolation()!;
  const profile = mkdtempSync(join(work, 'profile-'));
  const child = spawn(
    cmd!,
    [
      ...prefix,
      CHROMIUM,
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-proxy-server',
      '--host-resolver-rules=MAP * ~NOTFOUND',
      `--user-data-dir=${profile}`,
      ...args,
      `file://${file}`,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(killGroup, DEADLINE_MS);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      killGroup(); // renderer and zygote helpers, should any outlive the browser
      resolve({ code, stdout, stderr });
    });
  });
}

/** Width and height from a PNG's IHDR chunk (RFC 2083 §11.2.2: right after the 8-byte signature and chunk header). */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'a PNG signature');
  assert.equal(png.subarray(12, 16).toString('ascii'), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('writeHtmlReport', () => {
  it('creates the parent directories and returns the absolute path of the page it wrote', async () => {
    const written = await writeHtmlReport(join(work, 'a', 'b', 'report.html'), realisticFleet(), {
      generatedAt: new Date('2025-03-01T12:00:00Z'),
    });
    assert.equal(written, join(work, 'a', 'b', 'report.html'));
    const html = readFileSync(written, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.ok(html.includes('2025-03-01T12:00:00.000Z'));
  });
});

describe('the report in headless Chromium', () => {
  const fleet = realisticFleet();
  const page = join(work, 'fleet', 'report.html');

  it('the rendered DOM shows every instance id and diagnosis; the hostile ident stays text', async (t) => {
    const reason = whyNotChromium();
    if (reason) return t.skip(reason);
    await writeHtmlReport(page, fleet, { region: 'us-east-1' });
    const { code, stdout } = await chromium(['--dump-dom'], page);
    assert.equal(code, 0);
    assert.match(stdout, /<h1>port22 — SSH health<\/h1>/, 'the DOM of our page, not an error page');
    for (const i of fleet.instances) {
      assert.ok(stdout.includes(i.instanceId), `DOM shows ${i.instanceId}`);
      assert.ok(stdout.includes(`>${i.diagnosis}<`), `DOM shows ${i.diagnosis} for ${i.instanceId}`);
    }
    // Parsed and serialised again, the ident is still text: no script or img element exists.
    assert.ok(!/<script|<img/i.test(stdout), 'no script or img element in the DOM');
    assert.ok(stdout.includes('&lt;script&gt;alert("pwned")&lt;/script&gt;'), HOSTILE_IDENT);
    assert.ok(stdout.includes('<svg class="phases"'), 'the phase chart is in the DOM');
  });

  it('renders what `port22 check --json` prints for the pipeline-lab inventory', async (t) => {
    const reason = whyNotChromium();
    if (reason) return t.skip(reason);
    const root = new URL('../../../../', import.meta.url).pathname;
    const check = spawnSync(
      process.execPath,
      [
        'bin/port22.mjs',
        'check',
        '--inventory',
        'test/fixtures/inventories/pipeline-lab',
        '--signals',
        'test/fixtures/signals/pipeline-lab-signals.json',
        '--no-probe',
        '--json',
      ],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    assert.ok(check.status === 0 || check.status === 1, check.stderr);
    // Typed as the pipeline's report: tsc checks that it is what writeHtmlReport takes.
    const report = JSON.parse(check.stdout) as CheckReport;
    assert.ok(report.instances.length > 0);
    const file = await writeHtmlReport(join(work, 'pipeline-lab.html'), report);
    const { code, stdout } = await chromium(['--dump-dom'], file);
    assert.equal(code, 0);
    for (const i of report.instances) {
      assert.ok(stdout.includes(i.instanceId), `DOM shows ${i.instanceId}`);
      assert.ok(stdout.includes(`>${i.diagnosis}<`), `DOM shows ${i.diagnosis} for ${i.instanceId}`);
    }
    assert.match(stdout, /No probe results/);
  });

  it('renders a screenshot of the whole page', async (t) => {
    const reason = whyNotChromium();
    if (reason) return t.skip(reason);
    await writeHtmlReport(page, fleet, { region: 'us-east-1' });
    const png = join(work, 'report.png');
    const { code } = await chromium([`--screenshot=${png}`, '--window-size=1280,2000'], page);
    assert.equal(code, 0);
    const bytes = readFileSync(png);
    assert.deepEqual(pngSize(bytes), { width: 1280, height: 2000 });
    // A blank page compresses to a few KB; the report's text, tiles and bars do not.
    assert.ok(bytes.length > 50_000, `screenshot has content (${bytes.length} bytes)`);
  });
});
