import { BIGINT, DOUBLE, VARCHAR, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { safeInteger } from './queries.js';

/**
 * Positional parameters with explicit DuckDB types: every value a query uses goes through
 * here, never into the SQL text. Explicit types matter: an inferred DOUBLE compared with a
 * BIGINT column would cast the column and defeat min/max pruning on time ranges.
 */
export class SqlParams {
  readonly values: DuckDBValue[] = [];
  readonly types: DuckDBType[] = [];

  private add(value: DuckDBValue, type: DuckDBType): string {
    this.values.push(value);
    this.types.push(type);
    return `$${this.values.length}`;
  }

  /** An epoch-ms time or other integer; clamped to the safe range, rejected when not finite. */
  bigint(n: number, what = 'value'): string {
    return this.add(BigInt(safeInteger(n, what)), BIGINT);
  }

  double(n: number): string {
    return this.add(n, DOUBLE);
  }

  text(s: string): string {
    return this.add(s, VARCHAR);
  }
}
