import { DOUBLE, DuckDBTableFunction, UINTEGER, VARCHAR, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';

/**
 * `tickflow_scan('<slot>')`: a DuckDB table function that reads columns held in JS, so a
 * commit is `INSERT INTO t SELECT ... FROM tickflow_scan('t')` — one statement, no per-row
 * SQL, no intermediate copy. DuckDB pulls 2048-row chunks from the JS thread that runs the
 * query (the store's worker thread) and does the insert on its own threads.
 *
 * Why not the Appender: its appendDataChunk does the insert on the calling thread, while
 * here filling a chunk in JS overlaps with DuckDB inserting the previous one. On the store's
 * worker thread, with the store's append path built both ways, that measured 700–840k
 * rows/s against 420–690k for Appender data chunks (2 cores). The catch, a chunk per event-loop turn, is why the store
 * runs DuckDB on a worker thread whose loop does nothing else.
 */
export type ScanColumn =
  /** NaN is read as NULL. */
  | { readonly name: string; readonly kind: 'f64'; readonly data: Float64Array }
  | { readonly name: string; readonly kind: 'u32'; readonly data: Uint32Array }
  | { readonly name: string; readonly kind: 'str'; readonly data: readonly string[] };

export interface ScanSource {
  readonly rows: number;
  readonly columns: readonly ScanColumn[];
}

const CHUNK = 2048;

class Binding {
  constructor(readonly source: ScanSource) {}
}

class Cursor {
  pos = 0;
}

const typeOf = (c: ScanColumn): DuckDBType => (c.kind === 'f64' ? DOUBLE : c.kind === 'u32' ? UINTEGER : VARCHAR);

/** The slots a connection's scans read from; set a slot right before the statement that reads it. */
export class ScanSlots {
  private readonly slots = new Map<string, ScanSource>();

  set(slot: string, source: ScanSource): void {
    this.slots.set(slot, source);
  }

  delete(slot: string): void {
    this.slots.delete(slot);
  }

  /** Registers `tickflow_scan(slot)` on the connection's database. Each scan also yields `seq`, the row index. */
  register(con: DuckDBConnection): void {
    con.registerTableFunction(
      DuckDBTableFunction.create({
        name: 'tickflow_scan',
        parameterTypes: [VARCHAR],
        bindFunction: (info) => {
          const slot = info.getParameter(0);
          const source = typeof slot === 'string' ? this.slots.get(slot) : undefined;
          if (source === undefined) {
            info.setError(`tickflow_scan: no data in slot ${String(slot)}`);
            return;
          }
          for (const c of source.columns) info.addResultColumn(c.name, typeOf(c));
          info.addResultColumn('seq', UINTEGER);
          info.setCardinality(source.rows, true);
          info.setBindData(new Binding(source));
        },
        initFunction: (info) => {
          info.setInitData(new Cursor());
        },
        mainFunction: (info, out) => {
          const binding = info.bindData;
          const cursor = info.initData;
          if (!(binding instanceof Binding) || !(cursor instanceof Cursor)) {
            info.setError('tickflow_scan: lost its bind or init data');
            return;
          }
          const { source } = binding;
          const pos = cursor.pos;
          const n = Math.min(CHUNK, source.rows - pos);
          out.rowCount = Math.max(0, n);
          if (n <= 0) return;
          source.columns.forEach((c, j) => {
            const v = out.getColumnVector(j);
            if (c.kind === 'f64') {
              const a = c.data;
              for (let i = 0; i < n; i++) {
                const x = a[pos + i] ?? NaN;
                v.setItem(i, x === x ? x : null);
              }
            } else if (c.kind === 'u32') {
              const a = c.data;
              for (let i = 0; i < n; i++) v.setItem(i, a[pos + i] ?? 0);
            } else {
              const a = c.data;
              for (let i = 0; i < n; i++) v.setItem(i, a[pos + i] ?? null);
            }
            v.flush();
          });
          const seq = out.getColumnVector(source.columns.length);
          for (let i = 0; i < n; i++) seq.setItem(i, pos + i);
          seq.flush();
          cursor.pos = pos + n;
        },
      }),
    );
  }
}
