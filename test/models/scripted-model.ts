import type { Forecast, OnlineModel } from '../../src/models/index.js';

/**
 * A test double: forecasts from a script, one entry per predict call (null = no forecast), and
 * records every call so tests can check the order the prequential loop makes them in.
 */
export class ScriptedModel implements OnlineModel {
  readonly kind = 'zero';
  readonly dim: number;
  readonly quarantined = false;
  readonly quarantineReason = null;
  updates = 0;
  readonly calls: string[] = [];
  readonly seenX: number[][] = [];
  private i = 0;

  constructor(
    readonly name: string,
    private readonly script: readonly (Forecast | null)[],
    dim = 0,
  ) {
    this.dim = dim;
  }

  predict(x: Float64Array): Forecast | null {
    this.calls.push(`predict(${Array.from(x).join(',')})`);
    return this.script[this.i++] ?? null;
  }

  update(x: Float64Array, y: number): void {
    this.calls.push(`update(${Array.from(x).join(',')};${y})`);
    this.seenX.push(Array.from(x));
    this.updates++;
  }

  reset(): void {}

  toJSON() {
    return { kind: 'zero' as const, version: 1 as const, name: this.name, updates: this.updates, quarantineReason: null };
  }
}
