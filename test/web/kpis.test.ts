import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shownWindowSize } from '../../web/src/kpi-window.js';

const S10 = 10_000;
const M5 = 300_000;

test('the KPI cards show the smallest window until the user picks one, whichever arrived first', () => {
  assert.equal(shownWindowSize([], null), null);
  // The 5 m window closed first (on the minute); once the 10 s one is there, it is shown.
  assert.equal(shownWindowSize([M5], null), M5);
  assert.equal(shownWindowSize([M5, S10], null), S10);
  assert.equal(
    shownWindowSize(
      new Map([
        [M5, 1],
        [S10, 2],
      ]).keys(),
      null,
    ),
    S10,
  );
});

test("the user's pick stands while it has data; without data the smallest is shown", () => {
  assert.equal(shownWindowSize([S10, M5], M5), M5);
  assert.equal(shownWindowSize([S10], M5), S10);
});
