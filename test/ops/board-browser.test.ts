import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { ExportFixture } from '../support/export-fixture.js';
import { waitForCommittedParts } from '../support/progress-events.js';
import { startBoard, type CliServer } from './support/cli-server.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const TOKEN = 'board-browser-token-31f0a9c2';

if (!HAS_CHROMIUM) {
  console.log(`skipping the board browser test: ${CHROMIUM} is not installed (apt-get install -y chromium)`);
}

describe('the board in a browser', () => {
  let fixture: ExportFixture | undefined;
  let board: CliServer | undefined;
  let browser: BrowserContext | undefined;
  let profile: string | undefined;

  afterEach(async () => {
    await browser?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await board?.stop();
    await fixture?.close();
    [fixture, board, browser, profile] = [undefined, undefined, undefined, undefined];
  });

  it.skipIf(!HAS_CHROMIUM)('shows a running export, its flow of ranges, and each range with its progress', async () => {
    // Slow pages (250 ms each, 100 rows) keep the export running for ~15 s while the browser looks.
    fixture = await ExportFixture.create('board-browser', { contacts: 10_000, token: TOKEN, faults: { latencyMs: 250 } });
    await fixture.startWorkers(1, 2);
    const { exportId, result } = await fixture.start([
      '--dest',
      's3://exports/board',
      '--format',
      'ndjson',
      '--part-rows',
      '300',
      '--range-rows',
      '2500',
      '--page-size',
      '100',
    ]);
    expect(result.code, result.stderr).toBe(0);
    board = await startBoard(fixture.env);
    await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, 2);

    profile = await mkdtemp(join(tmpdir(), 'bulk-export-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);

    // The range queue's active jobs: named by range and export, each with a progress circle and rows/parts/last key.
    await page.goto(`${board.url}queue/export-ranges?status=active`);
    const firstRange = page.getByText(new RegExp(`^range \\d+ of ${exportId}$`)).first();
    await firstRange.waitFor({ timeout: 15_000 });
    await page
      .getByText(/^\d+%$/)
      .first()
      .waitFor({ timeout: 15_000 });
    const body = await page.innerText('body');
    expect(body).toMatch(/rows\s*:\s*\d+/);
    expect(body).toMatch(/parts\s*:\s*\d+/);
    expect(body).toMatch(/lastKey\s*:\s*\d+/);
    expect(body).not.toContain(TOKEN);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'board.png') });
    // Each range's job log: one line per committed part.
    await page.getByText('Logs', { exact: true }).first().click();
    await page
      .getByText(/part 0: 300 rows, \d+ bytes, keys \d+\.\.\d+/)
      .first()
      .waitFor({ timeout: 15_000 });

    // The export job and its flow: the parent waits for its ranges.
    await page.goto(`${board.url}queue/exports/${exportId}`);
    await page.getByText(`export ${exportId}`).first().waitFor({ timeout: 15_000 });
    await page.getByText('Job flow').waitFor({ timeout: 15_000 });
    for (let index = 0; index < 4; index += 1) await page.getByText(`range-${index}`, { exact: true }).first().waitFor({ timeout: 15_000 });
    expect(await page.innerText('body')).toMatch(/WAITING-CHILDREN/i);
    expect(await page.innerText('body')).toContain('credentialFingerprint');
    expect(await page.innerText('body')).not.toContain(TOKEN);
    await page.screenshot({ path: join(ARTIFACTS, 'board-flow.png'), fullPage: true });

    expect((await stat(join(ARTIFACTS, 'board.png'))).size).toBeGreaterThan(10_000);
    // Still running: the board was looked at during the export, not after it.
    const status = JSON.parse((await fixture.cli(['status', exportId, '--json'])).stdout);
    expect(status.state).toBe('running');
  });
});
