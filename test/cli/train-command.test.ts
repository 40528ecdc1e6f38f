import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { formatTrainSummary, parseTestFraction, train } from '../../src/cli/commands/train.js';
import { TickflowError, type ErrorCode } from '../../src/core/index.js';
import { parseSeedModel, SAME_BAR_LABEL, seedModelPath } from '../../src/models/seed/index.js';
import { NO_SHARED_DATA, sharedData, tempDir } from '../helpers.js';
import { kaggleCsv, randomWalkDays } from '../models/seed/days.js';
import { cliResult } from './e2e-helpers.js';

async function rejects(p: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof TickflowError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

describe('tickflow train', () => {
  it('on the real Kaggle BTC file: writes the model with the dataset hash, split and metrics', { skip: NO_SHARED_DATA }, async () => {
    const tmp = tempDir();
    try {
      const dataset = sharedData('kaggle-daily/coin_Bitcoin.csv') ?? '';
      const out = seedModelPath(tmp.dir);
      const r = await train({ dataset, out, testFraction: 0.2 });
      assert.equal(r.out, out);
      const m = parseSeedModel(readFileSync(out, 'utf8'), out);
      assert.deepEqual(m, r.model);
      assert.equal(m.dataset.sha256, createHash('sha256').update(readFileSync(dataset)).digest('hex'));
      assert.equal(m.dataset.path, dataset);
      assert.equal(m.split.test.rows, 572);
      assert.ok(Number.isFinite(m.metrics.test.rmse) && m.metrics.test.rmse > 0);
      assert.deepEqual(readdirSync(join(tmp.dir, 'models')), ['seed-linear.json'], 'no temp file left beside it');
      const text = formatTrainSummary(r, out);
      assert.match(text, new RegExp(SAME_BAR_LABEL));
      assert.match(text, /test {7}RMSE \d/);
      assert.match(text, /close = open: +RMSE \d/);
      assert.match(text, /POST http:\/\/127\.0\.0\.1:8080\/model\/reload/);
    } finally {
      tmp.cleanup();
    }
  });

  it('the command: `tickflow train --dataset <csv> --data-dir <dir>` writes <dir>/models/seed-linear.json and prints the metrics', async () => {
    const tmp = tempDir();
    try {
      const csv = join(tmp.dir, 'coin_Test.csv');
      writeFileSync(csv, kaggleCsv(randomWalkDays(120)));
      const r = await cliResult(['train', '--dataset', csv, '--data-dir', tmp.dir, '--test-fraction', '0.25']);
      assert.equal(r.code, 0, r.stderr);
      const m = parseSeedModel(readFileSync(join(tmp.dir, 'models', 'seed-linear.json'), 'utf8'), 'model');
      assert.equal(m.split.test.rows, 30);
      assert.match(r.stdout, /same-bar estimator, not a forecast/);
      assert.match(r.stdout, new RegExp(`test +RMSE ${m.metrics.test.rmse.toFixed(2)}`));

      const missing = await cliResult(['train', '--dataset', join(tmp.dir, 'nope.csv'), '--data-dir', tmp.dir]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /tickflow: error IO: dataset file not found: .*nope\.csv; pass a Kaggle daily CSV/);
    } finally {
      tmp.cleanup();
    }
  });

  it('replaces an existing model atomically, reads gzip, and honours --out', async () => {
    const tmp = tempDir();
    try {
      const csv = join(tmp.dir, 'coin.csv.gz');
      writeFileSync(csv, gzipSync(kaggleCsv(randomWalkDays(80))));
      const out = join(tmp.dir, 'elsewhere', 'm.json');
      const a = await train({ dataset: csv, out, testFraction: 0.2, createdAt: new Date(1000) });
      const b = await train({ dataset: csv, out, testFraction: 0.5, createdAt: new Date(2000) });
      assert.equal(parseSeedModel(readFileSync(out, 'utf8'), out).createdAt, b.model.createdAt);
      assert.notEqual(a.model.split.test.rows, b.model.split.test.rows);
      assert.deepEqual(readdirSync(join(tmp.dir, 'elsewhere')), ['m.json']);
      assert.match(formatTrainSummary(b, seedModelPath(tmp.dir)), /the API loads .*models\/seed-linear\.json; copy the model there/);
    } finally {
      tmp.cleanup();
    }
  });

  it('clear errors: wrong format, too few rows, bad values, a bad --test-fraction', async () => {
    const tmp = tempDir();
    try {
      const file = (name: string, text: string): string => {
        const p = join(tmp.dir, name);
        writeFileSync(p, text);
        return p;
      };
      const out = join(tmp.dir, 'm.json');
      await rejects(train({ dataset: tmp.dir, out, testFraction: 0.2 }), 'IO', /is a directory/);
      await rejects(
        train({ dataset: file('klines.csv', 'open_time,open,high,low,close,volume\n1,2,3,1,2,5\n'), out, testFraction: 0.2 }),
        'UNKNOWN_FORMAT',
        /no date column/,
      );
      await rejects(
        train({ dataset: file('few.csv', kaggleCsv(randomWalkDays(10))), out, testFraction: 0.2 }),
        'DATASET_INVALID',
        /10 rows are too few/,
      );
      const bad = kaggleCsv(randomWalkDays(50)).replace(/\n(\d+,Bitcoin,BTC,2020-01-07,)[^,]+,/, '\n$1NaN,');
      await rejects(train({ dataset: file('nan.csv', bad), out, testFraction: 0.2 }), 'BAD_PRICE', /nan\.csv:8: high is NaN/);
      assert.throws(
        () => parseTestFraction('1.5'),
        (e: unknown) => e instanceof TickflowError && e.code === 'USAGE',
      );
      assert.throws(
        () => parseTestFraction('abc'),
        (e: unknown) => e instanceof TickflowError && e.code === 'USAGE',
      );
      assert.equal(parseTestFraction('0.3'), 0.3);
      assert.deepEqual(
        readdirSync(tmp.dir).filter((f) => f.endsWith('.json')),
        [],
        'a failed training writes nothing',
      );
    } finally {
      tmp.cleanup();
    }
  });
});
