import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { tempDir, waitFor } from '../helpers.js';
import { cli } from './e2e-helpers.js';

test('tickflow run: simulated market → store → API and WebSocket; Ctrl-C stops cleanly', { timeout: 120_000 }, async () => {
  const { dir, cleanup } = tempDir();
  const child = cli(['run', '--data-dir', dir, '--port', '0', '--instruments', '3', '--rate', '300', '--log-level', 'warn']);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  try {
    const url = await waitFor(() => /dashboard +(http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout)?.[1], 30_000, 'the banner');
    assert.match(stdout, /source +simulated market: 3 instruments/);
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string };
    assert.equal(health.status, 'ok');
    const html = await (await fetch(`${url}/`)).text();
    assert.match(html, /tickflow/);
    // The dashboard's bundle (web/dist, chart library inside) is served next to it.
    const script = /<script\b[^>]*\bsrc="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'the page loads its bundle');
    const bundle = await fetch(`${url}${script}`);
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get('content-type') ?? '', /javascript/);

    const instruments = await waitFor(
      async () => {
        const r = (await (await fetch(`${url}/api/instruments`)).json()) as { instruments: { instrument: string }[] };
        return r.instruments.length === 3 ? r.instruments : undefined;
      },
      30_000,
      'three instruments',
    );
    const first = instruments[0]?.instrument ?? '';
    const latest = await waitFor(async () => {
      const r = await fetch(`${url}/api/bars/latest?instrument=${encodeURIComponent(first)}&interval=1s`);
      return r.status === 200 ? ((await r.json()) as { close: number }) : undefined;
    });
    assert.ok(latest.close > 0);
    // With no WebSocket client, no interim bars are published; the open 1h bar comes from the
    // processor itself, so /api/bars/latest is live all the same.
    const hour = await waitFor(async () => {
      const r = await fetch(`${url}/api/bars/latest?instrument=${encodeURIComponent(first)}&interval=1h`);
      return r.status === 200 ? ((await r.json()) as { final: boolean; trades: number }) : undefined;
    });
    assert.equal(hour.final, false);
    const later = await waitFor(async () => {
      const r = (await (await fetch(`${url}/api/bars/latest?instrument=${encodeURIComponent(first)}&interval=1h`)).json()) as {
        trades: number;
      };
      return r.trades > hour.trades ? r : undefined;
    });
    assert.ok(later.trades > hour.trades, 'the open bar grows with the trades');

    // Final 1s bars reach the store (and the REST route) within a few seconds.
    await waitFor(
      async () => {
        const r = (await (await fetch(`${url}/api/bars?instrument=${encodeURIComponent(first)}&interval=1s&limit=5`)).json()) as {
          bars: unknown[];
        };
        return r.bars.length > 0;
      },
      30_000,
      'stored 1s bars',
    );

    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
    const got = await new Promise<{ type: string; data: { final: boolean } }>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ op: 'subscribe', instruments: '*', intervals: ['1s'], channels: ['bars'] })));
      ws.on('message', (m: Buffer) => {
        const msg = JSON.parse(m.toString()) as { type: string; data: { final: boolean } };
        if (msg.type === 'bar') resolve(msg);
      });
      ws.on('error', reject);
    });
    ws.close();
    assert.equal(got.type, 'bar');

    const stats = (await (await fetch(`${url}/api/stats`)).json()) as { mode: string; trades: { accepted: number } };
    assert.equal(stats.mode, 'run');
    assert.ok(stats.trades.accepted > 0);
  } finally {
    child.kill('SIGINT');
    const code = await exited;
    cleanup();
    assert.equal(code, 0, stderr);
  }
});
