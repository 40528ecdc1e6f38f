import { startTickflow, type TickflowServer } from './tickflow-process.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page, type WebSocketRoute } from 'playwright-core';
import type { Prediction } from '../../src/core/index.js';
import { ROOT, tempDir, waitFor } from '../helpers.js';

/**
 * The predictions panel in a real browser (Debian's Chromium driven by playwright-core) against
 * `tickflow serve` over a store filled by `tickflow replay` of a day of real Binance 1m klines
 * (samples/LTCUSDT-1m-2026-02-01.csv): the 1m series has models and forecasts; the day has too
 * few 1h bars (24 < ~84) for a 1h model, so that series shows the explanation. `serve` runs no
 * pipeline, so the live path is driven by one forecast pushed into the page's /ws connection, the
 * next one of the stored series. Page code is passed as source text, so this file needs no DOM
 * types. Screenshots go to test-output/. Skipped when Chromium is missing unless REQUIRE_BROWSER=1.
 */

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const REQUIRED = process.env['REQUIRE_BROWSER'] === '1';
const SKIP =
  existsSync(CHROMIUM) || REQUIRED
    ? false
    : `no Chromium at ${CHROMIUM} (apt-get install chromium); REQUIRE_BROWSER=1 makes this a failure`;
const OUT = join(ROOT, 'test-output');
const SAMPLE = join(ROOT, 'samples', 'LTCUSDT-1m-2026-02-01.csv');
const CLI = join(ROOT, 'bin', 'tickflow.js');

type Server = TickflowServer;

function replay(dataDir: string): void {
  const r = spawnSync(process.execPath, [CLI, 'replay', SAMPLE, '--data-dir', dataDir, '--intervals', '1m,5m,1h', '--log-level', 'warn'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /predictions\s+[\d,]+/);
}

function startServer(dataDir: string): Promise<Server> {
  return startTickflow(['serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn']);
}

/** The panel's state (data-* on #predictions) and the newest row of its latest-forecasts table. */
async function panel(page: Page): Promise<{ state: string; models: number; predictions: number; newest: string }> {
  return page.evaluate(`(() => {
    const d = document.querySelector('#predictions')?.dataset ?? {};
    const row = document.querySelector('.pred-recent tbody tr');
    return {
      state: d.state ?? '',
      models: Number(d.models ?? 0),
      predictions: Number(d.predictions ?? 0),
      newest: row ? row.textContent : '',
    };
  })()`);
}

describe('predictions panel in Chromium against tickflow serve', { skip: SKIP, timeout: 120_000 }, () => {
  const data = tempDir('tickflow-web-pred-');
  let server: Server;
  let browser: Browser;
  let page: Page;
  /** The page's /ws connections, passed through to the server; a test can push into them. */
  const sockets: WebSocketRoute[] = [];
  const problems: string[] = [];

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
    const build = spawnSync(process.execPath, [join(ROOT, 'web', 'build.js')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    mkdirSync(OUT, { recursive: true });
    replay(data.dir);
    [server, browser] = await Promise.all([
      startServer(data.dir),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] }),
    ]);
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'dark' });
    page.on('pageerror', (e) => problems.push(`uncaught ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console.error ${m.text()}`);
    });
    await page.routeWebSocket(/\/ws$/, (ws) => {
      sockets.push(ws);
      ws.connectToServer();
    });
  });

  after(async () => {
    await browser?.close();
    if (server) {
      server.child.kill('SIGINT');
      assert.equal(await server.exited, 0, server.stdout());
    }
    data.cleanup();
  });

  test('every model of the series next to the baselines, the champion highlighted, forecasts vs outcomes drawn', async () => {
    await page.goto(`${server.url}/#instrument=binance:LTCUSDT&interval=1m`);
    await page.waitForSelector('#predictions[data-state="models"]', { timeout: 20_000 });

    // Model rows by name, group headings as '# heading': learned models, then the baselines.
    const rows = await page.$$eval('.pred-models tbody tr', (els) =>
      els.map((el) => el.getAttribute('data-model') ?? `# ${el.textContent}`),
    );
    assert.deepEqual(rows, ['# learned models', 'logistic', 'rls', '# baselines', 'zero', 'drift', 'sign-persistence']);
    assert.equal(await page.locator('.pred-models tr.status-champion').count(), 1, 'one champion');
    assert.match((await page.textContent('.pred-models tr.status-champion')) ?? '', /★ champion/);
    // Scores are numbers: RMSE and MAE in %, RMSE relative to the random walk (its own row: ref), hit rate, AUC.
    assert.match((await page.textContent('.pred-models tr[data-model="zero"]')) ?? '', /^zero\s*random walk.*\d\.\d+%ref\d\.\d+%/);
    assert.match((await page.textContent('.pred-models tr[data-model="rls"]')) ?? '', /\d\.\d+%[+−]?\d+\.\d\d%\d\.\d+%\d+\.\d%0\.\d{3}/);
    assert.match((await page.textContent('.pred-models thead')) ?? '', /rolling · last 500.*since start · 1,3\d\d/);
    assert.match((await page.textContent('.pred-verdict')) ?? '', /baseline/);
    assert.match((await page.textContent('#pred-meta')) ?? '', /^1m · champion [\w-]+ · [\d.,k]+ forecasts scored$/);

    // The chart of forecast vs actual returns, and the latest forecasts with their outcome and error.
    await waitFor(async () => (await panel(page)).predictions >= 100, 10_000, 'forecasts on the chart');
    assert.ok((await page.locator('.pred-chart canvas').count()) > 0);
    assert.equal(await page.locator('.pred-recent tbody tr').count(), 8);
    assert.match(
      (await page.textContent('.pred-recent tbody tr:first-child')) ?? '',
      /^00:00[\d.]+\d+%pending$/,
      'the last bar of the day waits for its outcome',
    );
    assert.match((await page.textContent('.pred-recent tbody tr:nth-child(2)')) ?? '', /^23:59[\d.]+\d+%[\d.]+[+−]?\d\.\d{3}%[✓✗–½]$/);

    // Clicking a challenger draws its forecasts beside the champion's.
    await page.click('.pred-models tr[data-model="logistic"]');
    await waitFor(async () => /logistic forecast/.test((await page.textContent('.pred-legend')) ?? ''), 10_000, 'logistic on the chart');
    assert.match((await page.getAttribute('.pred-models tr[data-model="logistic"]', 'class')) ?? '', /compared/);
    await page.locator('.predictions-panel').screenshot({ path: join(OUT, 'predictions-models.png') });
    await page.evaluate('scrollTo(0, 0)');
    await page.screenshot({ path: join(OUT, 'predictions-dashboard.png'), fullPage: true });
    assert.deepEqual(problems, []);
  });

  test('a forecast pushed over /ws becomes the newest row and gives the previous one its outcome', async () => {
    const res = await fetch(`${server.url}/api/predictions?instrument=binance:LTCUSDT&interval=1m&limit=1&order=desc`);
    const [last] = ((await res.json()) as { predictions: (Prediction & { outcome: unknown })[] }).predictions;
    assert.ok(last && last.outcome === null);
    // The next bar closes 0.2 % higher; the champion forecasts the bar after it.
    const close = Number((last.close * 1.002).toFixed(2));
    const { outcome: _, ...fields } = last;
    const next: Prediction = {
      ...fields,
      start: last.target,
      target: last.target + 60_000,
      close,
      predictedClose: close,
      return: 0,
      pUp: 0.5,
    };
    assert.ok(sockets.length > 0, 'the page has a /ws connection');
    for (const ws of sockets) ws.send(JSON.stringify({ type: 'prediction', data: next }));

    await waitFor(async () => (await panel(page)).newest.startsWith('00:01'), 5000, 'the pushed forecast');
    const actual = Math.log(close / last.close) - last.return;
    assert.match((await page.textContent('.pred-recent tbody tr:first-child')) ?? '', /pending$/);
    const prev = (await page.textContent('.pred-recent tbody tr:nth-child(2)')) ?? '';
    assert.ok(prev.startsWith('00:00') && prev.includes(close.toFixed(3)), prev);
    assert.ok(prev.includes(`+${(actual * 100).toFixed(3)}%`), `${prev} has the error +${(actual * 100).toFixed(3)}%`);
    const counters = (await page.evaluate('window.tickflow.counters.predictions')) as { received: number };
    assert.equal(counters.received, 1);
    assert.deepEqual(problems, []);
  });

  test('forecasts before the first scores are recorded: drawn, with a word on when the scores come', async () => {
    // The 1m series as it is during its first hour of forecasts: no scores in /api/models yet.
    await page.route(/\/api\/models\?.*interval=1m/, (route) => route.fulfill({ json: { models: [] } }));
    await page.reload();
    await page.waitForSelector('#predictions[data-state="forecasts"]', { timeout: 20_000 });
    assert.match(
      (await page.textContent('.pred-verdict')) ?? '',
      /scores are recorded about once an hour of bar time \(every 60 1m bars here\)/,
    );
    assert.match((await page.textContent('#pred-meta')) ?? '', /^1m · forecasting · no scores yet$/);
    assert.equal(await page.isVisible('.pred-models'), false);
    assert.equal(await page.locator('.pred-recent tbody tr').count(), 8);
    await page.unroute(/\/api\/models\?.*interval=1m/);
    assert.deepEqual(problems, []);
  });

  test('a series without models explains why, and links the intervals that have them', async () => {
    await page.click('#intervals button[data-interval="1h"]');
    await page.waitForSelector('#predictions[data-state="empty"]', { timeout: 15_000 });
    const text = (await page.textContent('.pred-empty')) ?? '';
    assert.match(text, /No model is running yet for LTCUSDT · 1h/);
    assert.match(text, /about 84 closed bars/);
    assert.match(text, /1m, 5m, 15m, 1h, 1d by default/);
    assert.match(text, /This series has 24 closed 1h bars: about 60 to go/);
    assert.match((await page.textContent('#pred-meta')) ?? '', /no model yet/);
    assert.equal(await page.isVisible('.pred-models'), false);
    await page.locator('.predictions-panel').screenshot({ path: join(OUT, 'predictions-empty.png') });
    // The chips go to the intervals that have models.
    assert.deepEqual(await page.$$eval('.pred-others button', (els) => els.map((el) => el.textContent)), ['1m', '5m']);
    await page.click('.pred-others button[data-interval="1m"]');
    await page.waitForSelector('#predictions[data-state="models"]', { timeout: 15_000 });
    assert.ok(page.url().includes('interval=1m'), page.url());
    assert.deepEqual(problems, []);
  });
});
