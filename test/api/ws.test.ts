import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { AlertSchema, BarSchema, PipelineStatsSchema, TickflowError } from '../../src/core/index.js';
import { ServerMessageSchema, startApiServer, type RunningApiServer, type ServerMessage } from '../../src/api/index.js';
import { metrics } from '../../src/api/metrics.js';
import { LiveHub } from '../../src/api/ws.js';
import { waitFor } from '../helpers.js';
import { FakeLive } from './fake-live.js';
import { makeAlert, makeBar, makeStats, makeWindow, T0 } from './fixtures.js';
import { assertMatches, BTC, ETH, INTERVALS, seededStore } from './harness.js';

/** A connected client that records every message it receives. */
class Client {
  readonly messages: ServerMessage[] = [];
  readonly ws: WebSocket;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data) => {
      const msg: unknown = JSON.parse(String(data));
      assertMatches(ServerMessageSchema, msg, 'server message');
      this.messages.push(msg as ServerMessage);
    });
  }
  async open(): Promise<this> {
    await waitFor(() => this.ws.readyState === WebSocket.OPEN, 5000, 'socket open');
    return this;
  }
  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }
  of<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.messages.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }
  async next<T extends ServerMessage['type']>(type: T, count = 1): Promise<Extract<ServerMessage, { type: T }>> {
    const list = await waitFor(() => (this.of(type).length >= count ? this.of(type) : undefined), 5000, `${count} ${type} message(s)`);
    const m = list?.[count - 1];
    assert.ok(m);
    return m;
  }
  close(): void {
    this.ws.close();
  }
}

describe('WebSocket /ws (real sockets)', () => {
  let server: RunningApiServer;
  let live: FakeLive;
  let wsUrl: string;
  before(async () => {
    live = new FakeLive();
    server = await startApiServer({
      store: seededStore(),
      live,
      version: '9.9.9-test',
      intervals: INTERVALS,
      host: '127.0.0.1',
      port: 0,
      ws: { statsIntervalMs: 100 },
    });
    wsUrl = `${server.url.replace('http', 'ws')}/ws`;
  });
  after(async () => {
    await server.close();
    assert.equal(live.listenerCount, 0, 'the hub unsubscribed from the live feed on close');
  });

  it('hello, subscribe, then only the matching bars (interim and final), alerts, windows and predictions', async () => {
    const c = await new Client(wsUrl).open();
    try {
      const hello = await c.next('hello');
      assert.equal(hello.version, '9.9.9-test');
      assert.deepEqual([...hello.channels].sort(), ['alerts', 'bars', 'predictions', 'stats', 'windows']);
      assert.equal(hello.live, true);

      c.send({
        op: 'subscribe',
        instruments: ['binance:btcusdt'],
        intervals: ['1m'],
        channels: ['bars', 'alerts', 'windows', 'predictions'],
      });
      const sub = await c.next('subscribed');
      assert.deepEqual(sub.instruments, [BTC]);
      assert.deepEqual(sub.intervals, ['1m']);

      const interim = makeBar(BTC, '1m', T0, 100, 101, { final: false });
      const final = makeBar(BTC, '1m', T0, 100, 102);
      live.push({ type: 'bar', bar: interim });
      live.push({ type: 'bar', bar: makeBar(ETH, '1m', T0, 1, 2) }); // other instrument
      live.push({ type: 'bar', bar: makeBar(BTC, '1s', T0, 1, 2) }); // other interval
      live.push({ type: 'bar', bar: final });
      live.push({ type: 'alert', alert: makeAlert(ETH, T0) }); // other instrument
      live.push({ type: 'window', window: makeWindow(BTC, T0) });
      const prediction = {
        type: 'prediction' as const,
        instrument: BTC,
        interval: '1m',
        model: 'rls',
        start: T0,
        target: T0 + 60_000,
        close: 100,
        return: 0.001,
        pUp: 0.6,
        predictedClose: 100 * Math.exp(0.001),
        champion: true,
      };
      live.push({ type: 'prediction', prediction });
      live.push({ type: 'prediction', prediction: { ...prediction, interval: '5m' } }); // other interval
      live.push({ type: 'alert', alert: makeAlert(BTC, T0) });

      const alert = await c.next('alert');
      assertMatches(AlertSchema, alert.data);
      assert.equal(alert.data.instrument, BTC);
      // Delivery is ordered, so everything pushed before the last alert has arrived by now.
      const bars = c.of('bar');
      assert.deepEqual(
        bars.map((b) => b.data),
        [interim, final],
      );
      for (const b of bars) assertMatches(BarSchema, b.data);
      assert.equal(c.of('window').length, 1);
      assert.equal(c.of('alert').length, 1);
      assert.deepEqual(
        c.of('prediction').map((p) => p.data),
        [prediction],
      );
    } finally {
      c.close();
    }
  });

  it('replies to bad messages with an error and keeps the socket open', async () => {
    const c = await new Client(wsUrl).open();
    try {
      await c.next('hello');
      c.send('this is not json');
      const notJson = await c.next('error');
      assert.equal(notJson.error.code, 'BAD_REQUEST');
      assert.match(notJson.error.message, /not JSON/);

      c.send({ op: 'subscribe', channels: ['gossip'] });
      const badChannel = await c.next('error', 2);
      assert.match(badChannel.error.message, /bars, alerts, stats, windows/);

      c.send({ op: 'subscribe', intervals: ['7m'] });
      const badInterval = await c.next('error', 3);
      assert.equal(badInterval.error.code, 'UNKNOWN_INTERVAL');

      c.send({ op: 'subscribe', instruments: ['nocolon'] });
      assert.equal((await c.next('error', 4)).error.code, 'BAD_REQUEST');

      c.send({ op: 'dance' });
      assert.match((await c.next('error', 5)).error.message, /subscribe, unsubscribe, ping/);

      assert.equal(c.ws.readyState, WebSocket.OPEN);
      c.send({ op: 'ping' });
      await c.next('pong');
      assert.equal(c.of('subscribed').length, 0, 'no bad message changed the subscription');
    } finally {
      c.close();
    }
  });

  it('tells the feed whose bar updates a client takes (a pipeline makes interim bars only for those)', async () => {
    const c = await new Client(`${wsUrl}?instruments=${encodeURIComponent(BTC)}&channels=bars`).open();
    try {
      await c.next('subscribed');
      assert.equal(live.interested?.(), true);
      assert.equal(live.interested?.(BTC), true);
      assert.equal(live.interested?.(ETH), false);
      c.send({ op: 'unsubscribe', channels: ['bars'] });
      await c.next('subscribed', 2);
      assert.equal(live.interested?.(BTC), false, 'no bars channel');
    } finally {
      c.close();
    }
  });

  it('takes the subscription from the query string, and unsubscribe removes it', async () => {
    const c = await new Client(`${wsUrl}?instruments=*&intervals=1m&channels=bars,alerts`).open();
    try {
      const sub = await c.next('subscribed');
      assert.equal(sub.instruments, '*');
      assert.deepEqual([...sub.channels].sort(), ['alerts', 'bars']);
      live.push({ type: 'bar', bar: makeBar(ETH, '1m', T0 + 60_000, 1, 2) });
      assert.equal((await c.next('bar')).data.instrument, ETH);

      c.send({ op: 'unsubscribe', channels: ['bars'] });
      await c.next('subscribed', 2);
      live.push({ type: 'bar', bar: makeBar(ETH, '1m', T0 + 120_000, 1, 2) });
      live.push({ type: 'alert', alert: makeAlert(ETH, T0) });
      await c.next('alert');
      assert.equal(c.of('bar').length, 1);

      c.send({ op: 'unsubscribe', instruments: [BTC] });
      assert.match((await c.next('error')).error.message, /cannot remove single instruments from "\*"/);
    } finally {
      c.close();
    }
  });

  it('stats: coalesced to the newest snapshot, pushed on a timer', async () => {
    const c = await new Client(`${wsUrl}?channels=stats`).open();
    try {
      await c.next('subscribed');
      for (let i = 1; i <= 20; i++) live.push({ type: 'stats', stats: makeStats(T0 + i) });
      const stats = await c.next('stats');
      assertMatches(PipelineStatsSchema, stats.data);
      assert.ok(stats.data.time === T0 + 20 || stats.data.time === makeStats().time, 'the newest pushed snapshot, or a polled one');
      await c.next('stats', 3);
      assert.ok(
        c.of('stats').every((m) => m.data.time === T0 + 20 || m.data.time === makeStats().time),
        'no intermediate snapshot was sent',
      );
    } finally {
      c.close();
    }
  });
});

/** Just enough of a ws socket to drive the hub's backpressure and heartbeat paths. */
class FakeSocket extends EventEmitter {
  readyState = 1;
  bufferedAmount = 0;
  terminated = false;
  readonly sent: ServerMessage[] = [];
  send(text: string): void {
    this.sent.push(JSON.parse(text) as ServerMessage);
  }
  ping(): void {}
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
    this.emit('close');
  }
  ofType(type: ServerMessage['type']): ServerMessage[] {
    return this.sent.filter((m) => m.type === type);
  }
}

function hubWith(live: FakeLive, extra: { heartbeatMs?: number } = {}): LiveHub {
  return new LiveHub({
    version: 't',
    live,
    resolveInterval: (raw) => {
      if (!INTERVALS.includes(raw)) throw new TickflowError('UNKNOWN_INTERVAL', `interval '${raw}' is not served`);
      return raw;
    },
    servedIntervals: () => INTERVALS,
    maxBufferedBytes: 1000,
    closeBufferedBytes: 100_000,
    ...extra,
  });
}

async function droppedTotal(): Promise<number> {
  const m = await metrics.getSingleMetric('tickflow_ws_messages_dropped_total')?.get();
  return m?.values[0]?.value ?? 0;
}

describe('LiveHub backpressure and liveness', () => {
  it('a slow client loses interim bars only, counted, and is told once it catches up', async () => {
    const live = new FakeLive();
    const hub = hubWith(live);
    const socket = new FakeSocket();
    hub.connect(socket as unknown as WebSocket, { instruments: '*', channels: 'bars,alerts' });
    const dropsBefore = await droppedTotal();

    socket.bufferedAmount = 5000;
    live.push({ type: 'bar', bar: makeBar(BTC, '1m', T0, 1, 2, { final: false }) });
    live.push({ type: 'bar', bar: makeBar(BTC, '1m', T0, 1, 3, { final: false }) });
    live.push({ type: 'bar', bar: makeBar(BTC, '1m', T0, 1, 4) });
    live.push({ type: 'alert', alert: makeAlert(BTC, T0) });
    assert.deepEqual(
      socket.ofType('bar').map((m) => (m.type === 'bar' ? m.data.final : null)),
      [true],
      'the final bar went out, the interim ones did not',
    );
    assert.equal(socket.ofType('alert').length, 1);
    assert.equal((await droppedTotal()) - dropsBefore, 2);

    socket.bufferedAmount = 0;
    live.push({ type: 'bar', bar: makeBar(BTC, '1m', T0 + 60_000, 4, 5, { final: false }) });
    const tail = socket.sent.slice(-2);
    assert.deepEqual(tail[0], { type: 'dropped', data: { bars: 2 } });
    assert.equal(tail[1]?.type, 'bar');
    hub.close();
    assert.equal(live.listenerCount, 0);
  });

  it('a client that stops reading altogether is disconnected', () => {
    const live = new FakeLive();
    const hub = hubWith(live);
    const socket = new FakeSocket();
    hub.connect(socket as unknown as WebSocket, { instruments: '*', channels: 'bars' });
    socket.bufferedAmount = 200_000;
    live.push({ type: 'bar', bar: makeBar(BTC, '1m', T0, 1, 2) });
    assert.equal(socket.terminated, true);
    assert.equal(hub.clientCount, 0);
    hub.close();
  });

  it('a client that stops answering pings is terminated', async () => {
    const live = new FakeLive();
    const hub = hubWith(live, { heartbeatMs: 20 });
    const silent = new FakeSocket();
    const answering = new FakeSocket();
    answering.ping = () => answering.emit('pong');
    hub.connect(silent as unknown as WebSocket, {});
    hub.connect(answering as unknown as WebSocket, {});
    await waitFor(() => silent.terminated, 5000, 'silent client terminated');
    assert.equal(answering.terminated, false);
    assert.equal(hub.clientCount, 1);
    hub.close();
  });
});
