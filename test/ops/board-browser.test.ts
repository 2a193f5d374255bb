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

  it.skipIf(!HAS_CHROMIUM)(
    'shows a running export, its flow of ranges, each range and the export with its progress and log, and no refused action',
    async () => {
      // Slow pages (1 s each, 100 rows: 25 a range) keep the export running for about 30 s while the browser looks.
      fixture = await ExportFixture.create('board-browser', { contacts: 10_000, token: TOKEN, faults: { latencyMs: 1000 } });
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
      const firstRange = page.getByText(new RegExp(`^range \\d+ of ${exportId} \\(virtuous, account default\\)$`)).first();
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

      // The export job's progress: what `status` shows (the board polls; the workers update it as parts commit).
      await page.getByText('Progress', { exact: true }).first().click();
      // Evaluated in the page (the board polls the API): rows in committed parts have reached the export job.
      await page.waitForFunction('/\\brows\\s*:\\s*[1-9]/.test(document.body.innerText)', undefined, { timeout: 15_000 });
      const progressText = await page.innerText('body');
      expect(progressText).not.toContain('No progress data available');
      for (const field of ['plannedRows', 'parts', 'done', 'total', 'splits', 'rowsPerSecond', 'etaSeconds']) {
        expect(progressText).toMatch(new RegExp(`${field}\\s*:\\s*\\d+`));
      }
      expect(progressText).toMatch(/state\s*:\s*"running"/);
      expect(progressText).not.toContain('samples');
      await page
        .getByText(/^\d+%$/)
        .first()
        .waitFor({ timeout: 15_000 });
      await page.screenshot({ path: join(tmpdir(), 'board-export-progress.png'), fullPage: true });
      // Its log: the plan, first.
      await page.getByText('Logs', { exact: true }).first().click();
      await page
        .getByText(
          /planned: 4 range\(s\) over ids, about 10,000 rows, about \d+ requests of up to 100 records .*ranges of about 2,500 rows \(--range-rows\); no range is split/,
        )
        .first()
        .waitFor({ timeout: 15_000 });
      await page.screenshot({ path: join(tmpdir(), 'board-export-log.png'), fullPage: true });
      // A job waiting for its children offers nothing the board refuses: no edit, duplicate, clean or removal of children.
      expect(await page.locator('[class^="jobActions-"] > li:visible').count()).toBe(0);
      for (const icon of ['lucide-pencil', 'lucide-trash-2', 'lucide-files', 'lucide-list-x']) {
        expect(await page.locator(`[class^="jobActions-"] svg.${icon}`).first().isVisible(), icon).toBe(false);
      }
      // The queue's menu: pause stays; adding, emptying, obliterating and limiting are gone.
      await page.goto(`${board.url}queue/exports`);
      await page.locator('[class^="stickyHeader-"] button[aria-haspopup="menu"]').first().click();
      await page.getByRole('menuitem', { name: 'Pause' }).waitFor({ timeout: 15_000 });
      for (const refused of ['Add job', 'Empty', 'Obliterate', 'Set concurrency', 'Set rate limit']) {
        expect(await page.getByRole('menuitem', { name: refused }).isVisible(), refused).toBe(false);
      }
      await page.screenshot({ path: join(tmpdir(), 'board-export-menu.png'), fullPage: true });
      await page.keyboard.press('Escape');

      expect((await stat(join(ARTIFACTS, 'board.png'))).size).toBeGreaterThan(10_000);
      // Still running: the board was looked at during the export, not after it.
      const status = JSON.parse((await fixture.cli(['status', exportId, '--json'])).stdout);
      expect(status.state).toBe('running');
    },
  );
});
