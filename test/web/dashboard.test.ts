import { startTickflow, type TickflowServer } from './tickflow-process.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, tempDir, waitFor } from '../helpers.js';

/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core) against a real
 * `tickflow run`. Screenshots of each view go to test-output/; each check also reads what is
 * drawn (candle pixels on the chart canvas, numbers in the panels), so a blank or broken page
 * fails. Skipped when Chromium is missing unless REQUIRE_BROWSER=1 (CI).
 */

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const REQUIRED = process.env['REQUIRE_BROWSER'] === '1';
const SKIP =
  existsSync(CHROMIUM) || REQUIRED
    ? false
    : `no Chromium at ${CHROMIUM} (apt-get install chromium); REQUIRE_BROWSER=1 makes this a failure`;
const OUT = join(ROOT, 'test-output');
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

type Server = TickflowServer;

function startServer(dataDir: string, port: number): Promise<Server> {
  // Short windows and alerts on 1s bars, so the KPI cards and alert markers fill within the test.
  const args = ['run', '--port', String(port), '--data-dir', dataDir, '--instruments', '5', '--rate', '500', '--log-level', 'warn'];
  args.push('--windows', '10s/2s,5m/1m', '--alert-intervals', '1s,1m');
  return startTickflow(args);
}

async function stopServer(s: Server): Promise<void> {
  s.child.kill('SIGINT');
  const code = await s.exited;
  assert.equal(code, 0, s.stdout());
}

/** Chart state the page publishes on the chart element (data-* attributes). */
async function chartState(page: Page) {
  return page.$eval('#chart', (el) => {
    const d = (el as HTMLElement).dataset;
    return {
      bars: Number(d['bars'] ?? 0),
      lastStart: Number(d['lastStart'] ?? 0),
      lastClose: Number(d['lastClose'] ?? 0),
      lastTrades: Number(d['lastTrades'] ?? 0),
      title: el.querySelector('.legend-title')?.textContent ?? '',
    };
  });
}

/**
 * Pixels of the chart canvases in the candle colours (the theme's --up / --down): a chart with
 * candles has hundreds, an empty or unstyled one none.
 */
async function candlePixels(page: Page): Promise<number> {
  // Source text, not a function: tsx would add helpers to a compiled function that the page lacks.
  return page.evaluate(`(() => {
    const css = getComputedStyle(document.documentElement);
    const rgb = (hex) => {
      const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
      return m ? [1, 2, 3].map((i) => parseInt(m[i], 16)) : [0, 0, 0];
    };
    const colors = [rgb(css.getPropertyValue('--up')), rgb(css.getPropertyValue('--down'))];
    let n = 0;
    for (const canvas of document.querySelectorAll('#chart canvas')) {
      const ctx = canvas.getContext('2d');
      if (!ctx || canvas.width === 0 || canvas.height === 0) continue;
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < px.length; i += 4) {
        for (const [cr, cg, cb] of colors) {
          if (Math.abs(px[i] - cr) + Math.abs(px[i + 1] - cg) + Math.abs(px[i + 2] - cb) < 30) {
            n++;
            break;
          }
        }
      }
    }
    return n;
  })()`);
}

/** The pipeline panel's per-stage rates, records/s. */
async function throughput(page: Page): Promise<Record<string, number>> {
  const rows = await page.$$eval('.pipeline-panel .stages .stat-row', (els) =>
    els.map((el) => [el.querySelector('.stat-k')?.textContent ?? '', el.querySelector('.stat-v')?.textContent ?? '']),
  );
  const num = (s: string) => {
    const m = /([\d.]+)\s*([kMB]?)/.exec(s);
    return m ? Number(m[1]) * ({ k: 1e3, M: 1e6, B: 1e9 }[m[2] ?? ''] ?? 1) : NaN;
  };
  return Object.fromEntries(rows.map(([k, v]) => [k ?? '', num(v ?? '')]));
}

describe('dashboard in Chromium against tickflow run', { skip: SKIP, timeout: 240_000 }, () => {
  const data = tempDir('tickflow-web-');
  let server: Server;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Console errors and uncaught exceptions, per page, with what the test was doing. */
  const problems: string[] = [];
  /** Network errors are expected (and only those) while the server is down. */
  let serverDown = false;

  function watch(p: Page, name: string): void {
    p.on('pageerror', (e) => problems.push(`${name}: uncaught ${e.message}`));
    p.on('console', (m) => {
      if (m.type() !== 'error') return;
      const network = /ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|WebSocket connection to .* failed|Failed to load resource/.test(
        m.text(),
      );
      if (serverDown && network) return;
      problems.push(`${name}: console.error ${m.text()}`);
    });
  }

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
    // A direct `node --test` run has no pretest hook: build the page if it is not current.
    const build = spawnSync(process.execPath, [join(ROOT, 'web', 'build.js')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    mkdirSync(OUT, { recursive: true });
    [server, browser] = await Promise.all([
      startServer(data.dir, 0),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS }),
    ]);
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    page = await context.newPage();
    watch(page, 'desktop');
  });

  after(async () => {
    await browser?.close();
    if (server) await stopServer(server);
    data.cleanup();
  });

  test('loads without console errors and draws candles, indicators and panels', async () => {
    await page.goto(`${server.url}/#interval=1s`);
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#chart')?.dataset['bars'] ?? 0) >= 5, null, {
      timeout: 30_000,
    });
    assert.equal(await page.isHidden('#chart-overlay'), true, 'the loading / waiting overlay is gone');
    const s = await chartState(page);
    assert.match(s.title, /^sim:\w+ · 1s · UTC$/);
    assert.ok(s.lastClose > 0);
    assert.ok((await candlePixels(page)) > 200, 'the chart canvas shows candles');
    // KPI cards: the last price is a number; the pipeline panel has rates; the picker names the instrument.
    await page.waitForFunction(() => /\d/.test(document.querySelector('.kpi-last .kpi-value')?.textContent ?? ''));
    assert.match((await page.textContent('.picker-button .picker-label')) ?? '', /^[A-Z]+USD$/);
    await page.waitForFunction(() => document.querySelectorAll('.compare-chip').length >= 2);
    // the panel's own request may still be on its way (its text says "loading…" until then)
    await page.waitForFunction(
      () => /No model is running yet/.test(document.querySelector('.predictions-panel')?.textContent ?? ''),
      null,
      {
        timeout: 15_000,
      },
    );
    assert.match(page.url(), /#instrument=sim:\w+&interval=1s/, 'the address bar carries the view');
    await page.screenshot({ path: join(OUT, 'dashboard-first-load.png') });
    assert.deepEqual(problems, []);
  });

  test('a live update changes the forming bar within seconds, drawn once per frame', async () => {
    const before = await chartState(page);
    await page.waitForFunction(
      (b) => {
        const d = document.querySelector<HTMLElement>('#chart')?.dataset ?? {};
        return Number(d['lastStart']) > b.lastStart || Number(d['lastTrades']) !== b.lastTrades || Number(d['lastClose']) !== b.lastClose;
      },
      before,
      { timeout: 5000 },
    );
    const counters = await page.evaluate(
      () =>
        (window as { tickflow?: { counters: Record<string, { received: number; applied: number; frames: number }> } }).tickflow?.counters[
          'bars'
        ],
    );
    assert.ok(counters && counters.received > 0 && counters.frames > 0);
    assert.ok(counters.applied <= counters.received && counters.frames <= counters.applied, JSON.stringify(counters));
  });

  test('the health panel shows non-zero throughput per stage', async () => {
    await page.waitForFunction(() => document.querySelectorAll('.pipeline-panel .stages .stat-row').length >= 2, null, { timeout: 10_000 });
    const rates = await waitFor(async () => {
      const r = await throughput(page);
      return Object.values(r).some((v) => v > 0) ? r : undefined;
    }, 10_000);
    assert.ok((rates['ingest'] ?? rates['process'] ?? 0) > 0, JSON.stringify(rates));
    const counters = await page.textContent('.pipeline-panel .counters');
    assert.match(counters ?? '', /accepted\s*[\d,]*[1-9]/);
    assert.match((await page.textContent('.pipeline-panel .feeds')) ?? '', /no exchange connections/);
    assert.match((await page.textContent('.pipeline-panel .lag')) ?? '', /lag\s*[\d.]+\s*(ms|s)/);
  });

  test('switching instrument and interval changes the data and the address', async () => {
    const before = await chartState(page);
    const current = before.title.split(' ')[0] ?? '';
    const list = (await (await fetch(`${server.url}/api/instruments`)).json()) as { instruments: { instrument: string; symbol: string }[] };
    const other = list.instruments.find((i) => i.instrument !== current);
    assert.ok(other, 'a second instrument');

    // Through the searchable picker, with the keyboard.
    await page.click('.topbar .picker-button');
    await page.fill('.topbar .picker-search', other.symbol.toLowerCase());
    assert.equal(await page.locator('.topbar .pick').count(), 1, 'the search narrows the list to the one match');
    await page.screenshot({ path: join(OUT, 'dashboard-picker.png') });
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (id) => {
        const el = document.querySelector<HTMLElement>('#chart');
        return el?.querySelector('.legend-title')?.textContent?.startsWith(`${id} · 1s`) && Number(el.dataset['bars']) > 0;
      },
      other.instrument,
      { timeout: 10_000 },
    );
    const switched = await chartState(page);
    assert.notEqual(switched.lastClose, before.lastClose, 'another instrument, another price');
    assert.ok(page.url().includes(`instrument=${other.instrument}`), page.url());

    // Interval: 1m has at least the forming bar.
    await page.click('#intervals button[data-interval="1m"]');
    await page.waitForFunction(
      () => {
        const el = document.querySelector<HTMLElement>('#chart');
        return el?.querySelector('.legend-title')?.textContent?.includes('· 1m ·') && Number(el.dataset['bars']) > 0;
      },
      null,
      { timeout: 10_000 },
    );
    assert.ok(page.url().includes('interval=1m'), page.url());
    assert.equal(await page.getAttribute('#intervals button[data-interval="1m"]', 'aria-pressed'), 'true');
    const m1 = await chartState(page);
    assert.ok(m1.lastStart % 60_000 === 0, 'a 1m bar starts on a minute');

    // A shared link opens the same view in a fresh page.
    const shared = await context.newPage();
    watch(shared, 'shared link');
    await shared.goto(page.url());
    await shared.waitForFunction(
      (id) => document.querySelector('#chart .legend-title')?.textContent?.startsWith(`${id} · 1m`),
      other.instrument,
      {
        timeout: 10_000,
      },
    );
    await shared.close();

    await page.click('#intervals button[data-interval="1s"]');
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#chart')?.dataset['bars']) >= 3, null, {
      timeout: 10_000,
    });
    await page.screenshot({ path: join(OUT, 'dashboard-switched.png') });
    assert.deepEqual(problems, []);
  });

  test('every panel fills: KPI cards, volatility, comparison, baselines', async () => {
    // The 10 s window closes every 2 s; volatility needs a few closed bars with indicators stored.
    await page.waitForFunction(() => /\d/.test(document.querySelector('.kpi-avgPrice .kpi-value')?.textContent ?? ''), null, {
      timeout: 20_000,
    });
    for (const k of ['minPrice', 'maxPrice', 'spread', 'trades', 'vwap']) {
      assert.match((await page.textContent(`.kpi-${k} .kpi-value`)) ?? '', /\d/, `KPI ${k}`);
    }
    // The smallest window is shown, also when a 5 m one closed (on the minute) before the first 10 s one.
    await page.waitForFunction(() => /10s window, every 2s/.test(document.querySelector('#kpi-meta')?.textContent ?? ''), null, {
      timeout: 10_000,
    });
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#volatility')?.dataset['points']) >= 2, null, {
      timeout: 20_000,
    });
    assert.match((await page.textContent('.vol-value')) ?? '', /^\d+(\.\d)?%/);
    // Generous waits: the first forecasts come with the first closed bars, later on a busy CI host.
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#compare')?.dataset['lines']) >= 3, null, {
      timeout: 20_000,
    });
    await page.waitForFunction(() => /\d\.\d+%/.test(document.querySelector('.pred-table')?.textContent ?? ''), null, { timeout: 20_000 });
    await page.screenshot({ path: join(OUT, 'dashboard-desktop-dark.png'), fullPage: true });
    assert.deepEqual(problems, []);
  });

  test('overlays toggle and the light theme repaints the charts', async () => {
    await page.click('#overlays button[data-overlay="vwap"]');
    await page.click('#overlays button[data-overlay="ema"]');
    assert.match((await page.textContent('#chart .legend-lines')) ?? '', /VWAP [\d.,]+/);
    assert.ok(page.url().includes('overlays='), 'overlays are part of the shared view');
    await page.click('#theme');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(242, 244, 247)');
    // The chart repaints: its background is white and the candles are in the light palette.
    await waitFor(async () => (await candlePixels(page)) > 200, 5000, 'light candles');
    await page.screenshot({ path: join(OUT, 'dashboard-desktop-light.png'), fullPage: true });
    await page.click('#theme');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  });

  test('phone width: one column, no sideways scrolling, chart and panels readable', async () => {
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      colorScheme: 'dark',
      hasTouch: true,
    });
    watch(phone, 'phone');
    await phone.goto(page.url());
    await phone.waitForFunction(() => Number(document.querySelector<HTMLElement>('#chart')?.dataset['bars']) >= 3, null, {
      timeout: 15_000,
    });
    const widths = await phone.evaluate(() => ({ doc: document.documentElement.scrollWidth, win: innerWidth }));
    assert.ok(widths.doc <= widths.win, `no horizontal overflow (${widths.doc} > ${widths.win})`);
    const chartBox = await phone.locator('.chart-panel').boundingBox();
    const kpiBox = await phone.locator('.kpi-panel').boundingBox();
    assert.ok(chartBox && kpiBox && kpiBox.y >= chartBox.y + chartBox.height, 'the KPI cards stack under the chart');
    assert.ok(chartBox.width > 350);
    assert.ok((await candlePixels(phone)) > 100);
    await phone.screenshot({ path: join(OUT, 'dashboard-phone.png') });
    await phone.screenshot({ path: join(OUT, 'dashboard-phone-full.png'), fullPage: true });
    await phone.close();
    assert.deepEqual(problems, []);
  });

  test('a dropped connection is shown, and the page recovers by itself', async () => {
    assert.equal(await page.getAttribute('#conn', 'data-state'), 'open');
    assert.equal(await page.isHidden('#ws-banner'), true);
    serverDown = true;
    await stopServer(server);
    await page.waitForSelector('#ws-banner:not([hidden])', { timeout: 5000 });
    assert.match((await page.textContent('#ws-banner')) ?? '', /Live updates disconnected.*Reconnecting/s);
    assert.equal(await page.getAttribute('#conn', 'data-state'), 'reconnecting');
    await page.screenshot({ path: join(OUT, 'dashboard-disconnected.png') });

    // The same server comes back on the same port (and data dir); the page redials on its own.
    server = await startServer(data.dir, server.port);
    await page.waitForSelector('#ws-banner[hidden]', { state: 'attached', timeout: 20_000 });
    serverDown = false;
    assert.equal(await page.getAttribute('#conn', 'data-state'), 'open');
    const after = await chartState(page);
    await page.waitForFunction(
      (b) => {
        const d = document.querySelector<HTMLElement>('#chart')?.dataset ?? {};
        return Number(d['lastStart']) > b.lastStart || Number(d['lastTrades']) !== b.lastTrades;
      },
      after,
      { timeout: 10_000 },
    );
    await page.screenshot({ path: join(OUT, 'dashboard-reconnected.png') });
    assert.deepEqual(problems, []);
  });
});
