import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ScanSlots } from './scan.js';
import { TABLES, q, type TableName, type TableSpec } from './tables.js';

/**
 * The Parquet lake: `<lake>/<table>/instrument=<id>/date=<YYYY-MM-DD>/part-<n>.parquet`
 * (rejects: `<lake>/rejects/date=<YYYY-MM-DD>/...`), hive-partitioned so DuckDB, Spark or
 * Trino read it with `hive_partitioning`. DuckDB escapes partition values (`binance:BTCUSDT`
 * becomes `instrument=binance%3ABTCUSDT`) and unescapes them on read.
 *
 * An export rewrites whole partitions: DuckDB writes the touched partitions into a staging
 * directory next to the lake (`.<lake>-staging`, same filesystem, outside any glob over the
 * lake), then each replaces its old directory by a rename, so a
 * partition never holds files from two exports (no duplicate rows), and a failed export
 * leaves the previous files in place. Commits report the partitions they touch; those are
 * kept in memory, so the first export of a store opened on an existing file rewrites
 * everything (a crash may have lost the record of what changed).
 */
const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Partition key: `<instrument>\u0000<YYYY-MM-DD>`, instrument '' for date-only tables. */
export type PartitionKey = string;

export class LakeExporter {
  private dirty = new Map<TableName, Set<PartitionKey>>();
  private everything: boolean;
  private nonce = 0;
  private readonly staging: string;

  constructor(
    readonly dir: string,
    exportEverythingFirst: boolean,
  ) {
    this.everything = exportEverythingFirst;
    this.staging = join(dirname(dir), `.${basename(dir)}-staging`);
  }

  markDirty(table: TableName, partitions: ReadonlySet<PartitionKey>): void {
    if (partitions.size === 0) return;
    const set = this.dirty.get(table) ?? new Set();
    for (const p of partitions) set.add(p);
    this.dirty.set(table, set);
  }

  async export(con: DuckDBConnection, slots: ScanSlots): Promise<{ files: number; dir: string }> {
    const everything = this.everything;
    const dirty = this.dirty;
    // Commits that land while this runs mark a fresh set, rewritten next time.
    this.dirty = new Map();
    this.everything = false;
    try {
      await rm(this.staging, { recursive: true, force: true });
      let files = 0;
      for (const spec of TABLES) {
        const parts = dirty.get(spec.name);
        if (everything) files += await this.exportAll(con, spec);
        else if (parts !== undefined && parts.size > 0) files += await this.exportPartitions(con, slots, spec, parts);
      }
      await rm(this.staging, { recursive: true, force: true });
      return { files, dir: this.dir };
    } catch (e) {
      this.everything ||= everything;
      for (const [t, parts] of dirty) this.markDirty(t, parts);
      throw e;
    }
  }

  private stagingDir(spec: TableSpec): string {
    return join(this.staging, `${spec.name}-${++this.nonce}`);
  }

  private selectFor(spec: TableSpec): { select: string; partitionBy: string } {
    const time = q(spec.time);
    const cols = spec.columns.filter((c) => !(spec.lakeByInstrument && c.name === 'instrument')).map((c) => `t.${q(c.name)}`);
    const partitionCols = spec.lakeByInstrument ? 't.instrument, ' : '';
    return {
      select: `SELECT ${cols.join(', ')}, ${partitionCols}strftime(epoch_ms(t.${time}), '%Y-%m-%d') AS date FROM ${spec.name} t`,
      partitionBy: spec.lakeByInstrument ? 'instrument, date' : 'date',
    };
  }

  private async copy(con: DuckDBConnection, spec: TableSpec, select: string, partitionBy: string, to: string): Promise<void> {
    await mkdir(this.staging, { recursive: true });
    const order = spec.lakeByInstrument ? `instrument, ${q(spec.time)}` : q(spec.time);
    await con.run(
      `COPY (${select} ORDER BY ${order}) TO ${sqlString(to)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${partitionBy}), FILENAME_PATTERN 'part-{i}')`,
    );
  }

  private async exportAll(con: DuckDBConnection, spec: TableSpec): Promise<number> {
    const target = join(this.dir, spec.name);
    const tmp = this.stagingDir(spec);
    const { select, partitionBy } = this.selectFor(spec);
    await this.copy(con, spec, select, partitionBy, tmp);
    const files = await countFiles(tmp);
    // Swap by renames, so readers see the old table or the new one for all but an instant.
    const old = `${tmp}-old`;
    await rename(target, old).catch(() => undefined);
    if (files > 0) {
      await mkdir(this.dir, { recursive: true });
      await rename(tmp, target);
    }
    await rm(old, { recursive: true, force: true });
    return files;
  }

  private async exportPartitions(
    con: DuckDBConnection,
    slots: ScanSlots,
    spec: TableSpec,
    parts: ReadonlySet<PartitionKey>,
  ): Promise<number> {
    const instruments: string[] = [];
    const dates: string[] = [];
    for (const p of parts) {
      const i = p.indexOf('\u0000');
      instruments.push(p.slice(0, i));
      dates.push(p.slice(i + 1));
    }
    const slot = `lake-${spec.name}`;
    slots.set(slot, {
      rows: parts.size,
      columns: [
        { name: 'instrument', kind: 'str', data: instruments },
        { name: 'date', kind: 'str', data: dates },
      ],
    });
    try {
      await con.run(`CREATE OR REPLACE TEMP TABLE tickflow_dirty AS SELECT instrument, date FROM tickflow_scan('${slot}')`);
    } finally {
      slots.delete(slot);
    }
    // The date bounds let DuckDB skip row groups outside the touched days.
    const sorted = [...dates].sort();
    const lo = Date.parse(`${sorted[0] ?? '1970-01-01'}T00:00:00Z`);
    const hi = Date.parse(`${sorted[sorted.length - 1] ?? '1970-01-01'}T00:00:00Z`) + 86_400_000;
    const { select, partitionBy } = this.selectFor(spec);
    const time = `t.${q(spec.time)}`;
    const on = spec.lakeByInstrument ? 'd.instrument = t.instrument AND ' : '';
    const filtered = `${select} SEMI JOIN temp.tickflow_dirty d ON ${on}d.date = strftime(epoch_ms(${time}), '%Y-%m-%d') WHERE ${time} >= ${lo} AND ${time} < ${hi}`;
    const tmp = this.stagingDir(spec);
    await this.copy(con, spec, filtered, partitionBy, tmp);
    let files = 0;
    for (const rel of await partitionDirs(tmp, spec.lakeByInstrument ? 2 : 1)) {
      const target = join(this.dir, spec.name, rel);
      files += await countFiles(join(tmp, rel));
      const old = join(tmp, `${rel.split(sep).join('_')}-old`);
      await rename(target, old).catch(() => undefined);
      await mkdir(join(target, '..'), { recursive: true });
      await rename(join(tmp, rel), target);
    }
    await rm(tmp, { recursive: true, force: true });
    return files;
  }
}

/** Relative paths of the partition directories `depth` levels below `root` (none if it does not exist). */
async function partitionDirs(root: string, depth: number): Promise<string[]> {
  let level = [''];
  for (let i = 0; i < depth; i++) {
    const next: string[] = [];
    for (const rel of level) {
      const entries = await readdir(join(root, rel), { withFileTypes: true }).catch(() => []);
      for (const e of entries) if (e.isDirectory()) next.push(join(rel, e.name));
    }
    level = next;
  }
  return level;
}

async function countFiles(root: string): Promise<number> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.endsWith('.parquet')).length;
}
