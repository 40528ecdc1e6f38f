// Every indicator against TA-Lib itself (C code via the `talib` binding) on real daily data:
// same warm-up (null exactly where TA-Lib has no output) and values within 1e-9 relative.
import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import { IndicatorEngine, type IndicatorConfig } from '../../../src/stream/indicators/index.js';
import type { IndicatorSet } from '../../../src/core/index.js';
import { NO_SHARED_DATA } from '../../helpers.js';
import { DAILY_FILES, loadDailyBars } from './daily-bars.js';
import { NO_TALIB, talib, talibOut, type Series } from './talib.js';

const TOLERANCE = 1e-9;
const DAY_MS = 86_400_000;

type Field = Exclude<keyof IndicatorSet, 'type' | 'instrument' | 'interval' | 'start' | 'close'>;

/** Worst relative error per indicator over every file, printed at the end for the report. */
const worst = new Map<Field, { rel: number; exact: number; total: number }>();

function compare(field: Field, actual: readonly IndicatorSet[], expected: Series, where: string): void {
  assert.equal(actual.length, expected.length, `${where} ${field}: length`);
  const w = worst.get(field) ?? { rel: 0, exact: 0, total: 0 };
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]?.[field];
    const b = expected[i];
    if (b === null || b === undefined) {
      assert.equal(a, null, `${where} ${field}[${i}]: TA-Lib has no output yet, got ${a}`);
      continue;
    }
    assert.ok(typeof a === 'number', `${where} ${field}[${i}]: expected ${b}, got ${a}`);
    const err = Math.abs(a - b);
    assert.ok(err <= TOLERANCE * Math.max(1, Math.abs(b)), `${where} ${field}[${i}]: ${a} vs TA-Lib ${b} (|diff| ${err})`);
    w.rel = Math.max(w.rel, err / Math.max(1, Math.abs(b)));
    w.total++;
    if (a === b) w.exact++;
  }
  worst.set(field, w);
}

/** What TA-Lib says for each IndicatorSet field of a bar series under a config. */
function expectedFromTalib(
  bars: readonly { high: number; low: number; close: number }[],
  c: IndicatorConfig,
  barsPerYear: number,
): Record<Field, Series> {
  const close = bars.map((b) => b.close);
  const high = bars.map((b) => b.high);
  const low = bars.map((b) => b.low);
  const macd = talib(
    'MACD',
    { inReal: close },
    { optInFastPeriod: c.emaFastPeriod, optInSlowPeriod: c.emaSlowPeriod, optInSignalPeriod: c.macdSignalPeriod },
  );
  const bb = talib(
    'BBANDS',
    { inReal: close },
    { optInTimePeriod: c.bbPeriod, optInNbDevUp: c.bbStdDevs, optInNbDevDn: c.bbStdDevs, optInMAType: 0 },
  );
  // ln(close_t / close_t-1) from TA-Lib's own ROCR and LN; then STDDEV (population) over the returns.
  const ratio = talibOut('ROCR', { inReal: close }, { optInTimePeriod: 1 });
  const ratios = ratio.slice(1).map((x) => x ?? NaN);
  const logReturn: Series = [null, ...talibOut('LN', { inReal: ratios })];
  const returns = logReturn.slice(1).map((x) => x ?? NaN);
  const std = talibOut('STDDEV', { inReal: returns }, { optInTimePeriod: c.volPeriod, optInNbDev: 1 });
  const scale = Math.sqrt(barsPerYear);
  return {
    sma: talibOut('SMA', { inReal: close }, { optInTimePeriod: c.smaPeriod }),
    emaFast: talibOut('EMA', { inReal: close }, { optInTimePeriod: c.emaFastPeriod }),
    emaSlow: talibOut('EMA', { inReal: close }, { optInTimePeriod: c.emaSlowPeriod }),
    rsi: talibOut('RSI', { inReal: close }, { optInTimePeriod: c.rsiPeriod }),
    macd: macd['outMACD'] ?? [],
    macdSignal: macd['outMACDSignal'] ?? [],
    macdHist: macd['outMACDHist'] ?? [],
    bbUpper: bb['outRealUpperBand'] ?? [],
    bbMiddle: bb['outRealMiddleBand'] ?? [],
    bbLower: bb['outRealLowerBand'] ?? [],
    atr: talibOut('ATR', { high, low, close }, { optInTimePeriod: c.atrPeriod }),
    logReturn,
    realizedVol: [null, ...std.map((s) => (s === null ? null : s * scale))],
  };
}

function runEngine(
  instrument: string,
  bars: ReturnType<typeof loadDailyBars> & object,
  config: Partial<IndicatorConfig> = {},
): { sets: IndicatorSet[]; engine: IndicatorEngine } {
  const engine = new IndicatorEngine({ instrument, interval: '1d', config });
  return { sets: bars.map((b) => engine.onBar(b)), engine };
}

const skip = NO_SHARED_DATA || NO_TALIB;

describe('indicators match TA-Lib on real daily data', { skip }, () => {
  after(() => {
    const rows = [...worst.entries()].map(
      ([field, w]) => `${field.padEnd(12)} max rel err ${w.rel.toExponential(2).padStart(9)}  bit-identical ${w.exact}/${w.total}`,
    );
    console.log(`TA-Lib oracle over ${DAILY_FILES.length} files (default periods) + 2 other configs:\n${rows.join('\n')}`);
  });

  for (const file of DAILY_FILES) {
    it(`${file.rel}: every IndicatorSet field, default periods`, () => {
      const bars = loadDailyBars(file.rel);
      assert.ok(bars !== undefined, `missing ${file.rel}`);
      assert.ok(bars.length > 1000, 'enough bars to cover warm-up and long-run drift');
      const { sets, engine } = runEngine(file.instrument, bars);
      const expected = expectedFromTalib(bars, engine.config, (365 * DAY_MS) / DAY_MS);
      for (const [field, series] of Object.entries(expected) as [Field, Series][]) compare(field, sets, series, file.rel);
    });
  }

  it('non-default periods (shortest and odd windows, ATR 1) also match', () => {
    const bars = loadDailyBars('kaggle-daily/coin_Ethereum.csv');
    assert.ok(bars !== undefined);
    const configs: Partial<IndicatorConfig>[] = [
      {
        smaPeriod: 2,
        emaFastPeriod: 2,
        emaSlowPeriod: 3,
        macdSignalPeriod: 2,
        rsiPeriod: 2,
        bbPeriod: 2,
        bbStdDevs: 1,
        atrPeriod: 1,
        volPeriod: 2,
      },
      {
        smaPeriod: 7,
        emaFastPeriod: 5,
        emaSlowPeriod: 35,
        macdSignalPeriod: 5,
        rsiPeriod: 9,
        bbPeriod: 50,
        bbStdDevs: 2.5,
        atrPeriod: 21,
        volPeriod: 30,
      },
    ];
    for (const config of configs) {
      const { sets, engine } = runEngine('coinmarketcap:ETHUSD', bars, config);
      const expected = expectedFromTalib(bars, engine.config, 365);
      for (const [field, series] of Object.entries(expected) as [Field, Series][])
        compare(field, sets, series, `ETH ${JSON.stringify(config)}`);
    }
  });

  it('warm-up lengths are TA-Lib lookbacks: SMA 19, EMA 11/25, RSI 14, MACD 33, BB 19, ATR 14, vol 20', () => {
    const bars = loadDailyBars('kaggle-daily/coin_Bitcoin.csv');
    assert.ok(bars !== undefined);
    const { sets } = runEngine('coinmarketcap:BTCUSD', bars.slice(0, 40));
    const firstIndex = (f: Field): number => sets.findIndex((s) => s[f] !== null);
    assert.deepEqual(
      {
        sma: 19,
        emaFast: 11,
        emaSlow: 25,
        rsi: 14,
        macd: 33,
        macdSignal: 33,
        macdHist: 33,
        bbUpper: 19,
        atr: 14,
        logReturn: 1,
        realizedVol: 20,
      },
      Object.fromEntries(
        (['sma', 'emaFast', 'emaSlow', 'rsi', 'macd', 'macdSignal', 'macdHist', 'bbUpper', 'atr', 'logReturn', 'realizedVol'] as const).map(
          (f) => [f, firstIndex(f)],
        ),
      ),
    );
  });
});
