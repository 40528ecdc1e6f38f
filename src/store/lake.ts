import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { BIGINT, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { readNumber, readString } from './row-mappers.js';
import type { ScanSlots } from './scan.js';
import { LAKE_REWRITES, LAKE_STATE } from './schema.js';
import { COMMIT_SEQ, TABLES, q, type TableName, type TableSpec } from './tables.js';
import type { LakeCompression } from './lake-compression.js';

/**
 * The Parquet lake: `<lake>/<table>/instrument=<id>/date=<YYYY-MM-DD>/part-<s>_<k>.parquet`
 * (rejects: `<lake>/rejects/date=<YYYY-MM-DD>/...`), hive-partitioned so DuckDB, Spark or
 * Trino read it with `hive_partitioning`. DuckDB escapes partition values (`binance:BTCUSDT`
 * becomes `instrument=binance%3ABTCUSDT`) and unescapes them on read.
 *
 * Exports are incremental. Every stored row carries the `commit_seq` of the commit that wrote
 * it, and `lake_state` holds the seq the lake is complete up to (`last`). An export up to the
 * last completed commit (`cur`):
 * 1. adds, per partition, a file of the rows with `last < commit_seq <= cur`, named
 *    `part-<last+1>_<k>.parquet` (k counts the files of one partition, normally just 0);
 * 2. rewrites whole, into `part-0_<k>.parquet`, the partitions listed in `lake_rewrites` for
 *    those commits, from the table (a commit replaced stored rows there, e.g. revised bars: an
 *    added file would leave the old version beside the new one), and compacts the partitions
 *    step 1 took past their compaction point (MAX_FILES_PER_PARTITION) from their own files;
 * 3. only then stores `cur` in `lake_state` and drops the `lake_rewrites` rows up to `cur`.
 * Files are written by DuckDB into a staging directory next to the lake (`.<lake>-staging`:
 * same filesystem, outside any glob over the lake) and renamed into place: an added file on
 * its own, a rewritten partition as a whole directory that replaces the old one.
 *
 * Crash safety: a crash or error before step 3 leaves `last` as it was, so the retry redoes
 * the same steps over a superset of rows (`cur` only grows). Its added files get the names the
 * failed attempt used and replace them (leftovers of those names are removed first), so no row
 * is in two files. The partitions to rewrite are still listed in `lake_rewrites`: a compaction
 * lists its partitions there, committed, before it renames anything, so a partition caught
 * between its two renames (its directory briefly absent) is rewritten by the retry. Files hold
 * only rows with `commit_seq <= cur`, so commits that land while an export runs go into the
 * next export, once.
 *
 * A store with no `lake_state` row for this lake (older than this scheme, last exported to
 * another directory, or whose lake directory is gone) gets one full export: each table written
 * to staging, then swapped in for the table's directory.
 */
const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/**
 * The most files a partition holds (one more for the moment it compacts). Adding files is
 * what makes an export cheap, but readers open every file, so a partition that an added file
 * takes past its compaction point is then compacted into one file. That point lies between
 * half this and this, fixed per partition by a hash of its path: partitions filled at the same
 * pace (every instrument, once a minute in `tickflow run`) would otherwise all be compacted by
 * the same export.
 */
export const MAX_FILES_PER_PARTITION = 32;

/**
 * See copy(). DuckDB's Parquet writer holds ~1 MB per open partition file (15 columns; no COPY
 * option changes it), so a COPY over 32 partitions took ~35 MB more while it ran, over 8 ~17 MB.
 * In `tickflow run --instruments 1000` (1,000 partitions per table a minute) that was the spike of
 * resident memory at each lake export: 8 instead of 32 took the peak of a 5-minute run from 445 to
 * 399 MB, for ~20 % more CPU in all (2026-12-03). But each COPY scans all the rows the export
 * takes, to pick its partitions' rows: a replay's exports (millions of rows over hundreds of
 * date partitions) took 45 s instead of 38 with 8. So an export's COPYs hold 8 partitions each
 * as long as they scan at most MAX_SCANNED_ROWS rows in all, and up to 32 beyond that.
 */
const PARTITIONS_PER_COPY = 8;
const MAX_PARTITIONS_PER_COPY = 32;
const MAX_SCANNED_ROWS = 50_000_000;

/** How many COPYs write `partitions` partitions out of `rows` rows (rows unknown: as few as may be). */
export function copyCount(partitions: number, rows: number | undefined): number {
  const fewest = Math.ceil(partitions / MAX_PARTITIONS_PER_COPY);
  const most = Math.ceil(partitions / PARTITIONS_PER_COPY);
  const affordable = rows === undefined ? fewest : Math.floor(MAX_SCANNED_ROWS / Math.max(1, rows));
  return Math.max(1, fewest, Math.min(most, affordable));
}

/** File counts remembered at most; beyond, the map starts over (counts are re-read from the directories). */
const MAX_TRACKED_PARTITIONS = 100_000;

/**
 * Parquet options, measured on the 2.4M 1s bars and 2.4M indicator rows of one kline file (CPU
 * time of a full export, 2 cores, mean of 4). Dictionary encoding is off: the columns are mostly
 * doubles with about as many distinct values as rows, for which DuckDB builds a dictionary and
 * then drops it; without it the indicators took 19 % less CPU for files of the same size (bars:
 * 8 % less, 5 % larger). zstd level 1 instead of the default 3 took another 11–13 % off for
 * files 2 % (indicators) to 10 % (bars) larger: the whole lake ~2.5 % larger.
 *
 * The codec is a setting (`--lake-compression`). Snappy, the default (as in DuckDB and Spark),
 * against zstd level 1 on the three kline files' replay (2026-12-02): 46–50 s of CPU instead of
 * 63, 1.04–1.15M trades/s instead of 0.86M, for a lake ~35 % larger (823 MB vs 612 MB).
 */
function parquetOptions(c: LakeCompression): string {
  return `FORMAT parquet, COMPRESSION ${c}${c === 'zstd' ? ', COMPRESSION_LEVEL 1' : ''}, DICTIONARY_SIZE_LIMIT 1`;
}

/** A partition's values: instrument ('' for tables partitioned by date only) and UTC date. */
interface PartitionRef {
  readonly instrument: string;
  readonly date: string;
}

/** SQL for the lake partition of a row of `spec` aliased `alias`. */
export function partitionSql(spec: TableSpec, alias: string): { instrument: string; date: string } {
  return {
    instrument: spec.lakeByInstrument ? `${alias}.instrument` : `''`,
    // Cheaper than strftime, and the directory name is the same (`date=YYYY-MM-DD`).
    date: `CAST(epoch_ms(${alias}.${q(spec.time)}) AS DATE)`,
  };
}

/** What the store knows at open: the lake's persisted seq and the last commit seq per table. */
export interface LakeState {
  /** `lake_state`'s seq for this lake directory, if it has one. */
  readonly exported: number | undefined;
  /** Per table, the highest commit seq in it or in its `lake_rewrites` rows. */
  readonly tableSeqs: Map<TableName, number>;
  /** The highest commit seq anywhere: the store's commit counter starts after it. */
  readonly maxSeq: number;
}

export async function loadLakeState(con: DuckDBConnection, dir: string): Promise<LakeState> {
  const maxes = TABLES.map((t) => `(SELECT max(${COMMIT_SEQ}) FROM ${t.name})`).join(', ');
  const [row] = (await con.runAndReadAll(`SELECT ${maxes}`)).getRows();
  const tableSeqs = new Map<TableName, number>();
  TABLES.forEach((t, i) => {
    const v = row?.[i];
    tableSeqs.set(t.name, v === null || v === undefined ? 0 : readNumber(v, 'commit_seq'));
  });
  for (const [tbl, v] of (await con.runAndReadAll(`SELECT tbl, max(${COMMIT_SEQ}) FROM ${LAKE_REWRITES} GROUP BY tbl`)).getRows()) {
    const name = TABLES.find((t) => t.name === readString(tbl, 'tbl'))?.name;
    if (name !== undefined) tableSeqs.set(name, Math.max(tableSeqs.get(name) ?? 0, readNumber(v, 'commit_seq')));
  }
  const [st] = (await con.runAndReadAll(`SELECT ${COMMIT_SEQ} FROM ${LAKE_STATE} WHERE lake = $1`, [dir], [VARCHAR])).getRows();
  const exported = st?.[0] === undefined ? undefined : readNumber(st[0], 'commit_seq');
  const maxSeq = Math.max(exported ?? 0, ...tableSeqs.values());
  return { exported, tableSeqs, maxSeq };
}

export interface LakeExportResult {
  readonly dir: string;
  /** Parquet files written (added and rewritten). */
  readonly files: number;
  /** Files added to partitions. */
  readonly added: number;
  /** Partitions rewritten whole (replaced rows, compactions; all of them in a full export). */
  readonly rewritten: number;
  readonly full: boolean;
  /** The commit seq the lake is now complete up to. */
  readonly seq: number;
}

export class LakeExporter {
  private exported: number | undefined;
  private readonly tableSeqs: Map<TableName, number>;
  /** Parquet files per partition directory (`<table>/<relative path>`), learned on first touch. */
  private readonly fileCounts = new Map<string, number>();
  /** A failed attempt may have left added files of the names the next one uses. */
  private mayHaveLeftovers = true;
  private nonce = 0;
  private readonly staging: string;

  /**
   * `writable` false (a read-only store): nothing is recorded in the database, so nothing is
   * compacted either (a compaction must list its partitions there first).
   */
  private readonly parquet: string;

  constructor(
    readonly dir: string,
    state: LakeState,
    private readonly writable: boolean,
    compression: LakeCompression = 'snappy',
  ) {
    this.parquet = parquetOptions(compression);
    this.exported = state.exported !== undefined && existsSync(dir) ? state.exported : undefined;
    this.tableSeqs = new Map(state.tableSeqs);
    this.staging = join(dirname(dir), `.${basename(dir)}-staging`);
  }

  /** After a commit with `seq` wrote rows of `table`. */
  noteCommit(table: TableName, seq: number): void {
    this.tableSeqs.set(table, seq);
  }

  /** Brings the lake up to `cur`, the last completed commit (the connection sees at least that). */
  async export(con: DuckDBConnection, slots: ScanSlots, cur: number): Promise<LakeExportResult> {
    const last = this.exported;
    const full = last === undefined;
    const r = { dir: this.dir, files: 0, added: 0, rewritten: 0, full, seq: cur };
    if (last !== undefined && cur <= last) return { ...r, seq: last };
    await rm(this.staging, { recursive: true, force: true });
    try {
      if (last === undefined) {
        // A crash halfway must not leave an older record vouching for a half-swapped lake.
        if (this.writable) await con.run(`DELETE FROM ${LAKE_STATE}`);
        for (const spec of TABLES) {
          const n = await this.exportAll(con, spec, cur);
          r.files += n.files;
          r.rewritten += n.partitions;
        }
        this.fileCounts.clear();
      } else {
        for (const spec of TABLES) {
          if ((this.tableSeqs.get(spec.name) ?? 0) <= last) continue;
          const n = await this.exportNew(con, slots, spec, last, cur);
          r.files += n.added + n.rewrittenFiles;
          r.added += n.added;
          r.rewritten += n.rewritten;
        }
      }
      if (this.writable) await this.persist(con, cur);
      this.exported = cur;
      this.mayHaveLeftovers = false;
      return r;
    } catch (e) {
      this.mayHaveLeftovers = true;
      throw e;
    } finally {
      await rm(this.staging, { recursive: true, force: true });
    }
  }

  private async persist(con: DuckDBConnection, cur: number): Promise<void> {
    await con.run('BEGIN TRANSACTION');
    try {
      await con.run(`DELETE FROM ${LAKE_STATE}`);
      await con.run(
        `INSERT INTO ${LAKE_STATE} VALUES ($1, $2, $3)`,
        [this.dir, BigInt(cur), BigInt(Date.now())],
        [VARCHAR, BIGINT, BIGINT],
      );
      await con.run(`DELETE FROM ${LAKE_REWRITES} WHERE ${COMMIT_SEQ} <= ${cur}`);
      await con.run('COMMIT');
    } catch (e) {
      await con.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  private stagingDir(spec: TableSpec, what: string): string {
    return join(this.staging, `${spec.name}-${what}-${++this.nonce}`);
  }

  /** How many partitions and rows `FROM <table> t WHERE <where>` has. */
  private async countPartitions(con: DuckDBConnection, spec: TableSpec, where: string): Promise<{ partitions: number; rows: number }> {
    const part = partitionSql(spec, 't');
    const sql = `SELECT count(*), coalesce(sum(n), 0) FROM (SELECT ${part.instrument}, ${part.date}, count(*) AS n FROM ${spec.name} t WHERE ${where} GROUP BY ALL)`;
    const [row] = (await con.runAndReadAll(sql)).getRows();
    return { partitions: readNumber(row?.[0], 'count'), rows: readNumber(row?.[1], 'rows') };
  }

  /**
   * Writes the rows of `FROM <table> t <joins> WHERE <where>` to `to`, one directory per
   * partition. DuckDB's partitioned writer holds a buffer for every partition a COPY writes
   * until it flushes, and for wide rows that is a lot: one export of 1,000 instruments' bars
   * (1,000 partitions, 19k rows) did not fit in 256MB, so `tickflow run` never got a lake. A
   * COPY over more partitions is therefore split (copyCount), by a hash of the partition, into
   * several, whose partition directories are then moved together under `to`.
   *
   * The ORDER BY keeps rows in time order within a file, which lets readers skip row groups by
   * time, and brings each partition's rows together: DuckDB keeps at most 100 partition files
   * open (partitioned_write_max_open_files) and starts another file for a partition it closed.
   * DuckDB keeps that order only within each flush of its partitioned writer (524,288 rows per
   * thread), so a large file is a few sorted runs (2.4M bars: 5 breaks). Sorting costs about a
   * third of a full export's CPU (2.4M bars: ~3.1 s against ~2.2 s); an added file sorts only
   * its new rows.
   */
  private async copy(
    con: DuckDBConnection,
    spec: TableSpec,
    joins: string,
    where: string,
    size: { partitions: number; rows?: number },
    to: string,
    pattern: string,
  ): Promise<void> {
    await mkdir(this.staging, { recursive: true });
    const cols = fileColumns(spec).map((c) => `t.${c}`);
    const part = partitionSql(spec, 't');
    const select = `SELECT ${cols.join(', ')}, ${spec.lakeByInstrument ? 't.instrument, ' : ''}${part.date} AS date FROM ${spec.name} t${joins}`;
    const order = spec.lakeByInstrument ? `instrument, ${q(spec.time)}` : q(spec.time);
    const options = `${this.parquet}, PARTITION_BY (${partitionBy(spec)}), FILENAME_PATTERN ${sqlString(pattern)}`;
    const n = copyCount(size.partitions, size.rows);
    for (let k = 0; k < n; k++) {
      const out = n === 1 ? to : `${to}.${k}`;
      const cond = n === 1 ? where : `${where} AND hash(${part.instrument}, ${part.date}) % ${n} = ${k}`;
      await con.run(`COPY (${select} WHERE ${cond} ORDER BY ${order}) TO ${sqlString(out)} (${options})`);
      if (n > 1) await movePartitions(spec, out, to);
    }
  }

  private async exportAll(con: DuckDBConnection, spec: TableSpec, cur: number): Promise<{ files: number; partitions: number }> {
    const target = join(this.dir, spec.name);
    const tmp = this.stagingDir(spec, 'all');
    const where = `t.${COMMIT_SEQ} <= ${cur}`;
    await this.copy(con, spec, '', where, await this.countPartitions(con, spec, where), tmp, 'part-0_{i}');
    const files = await countFiles(tmp, true);
    const partitions = (await partitionDirs(tmp, depthOf(spec))).length;
    // Swap by renames, so readers see the old table or the new one for all but an instant.
    const old = `${tmp}-old`;
    await rename(target, old).catch(() => undefined);
    if (files > 0) {
      await mkdir(this.dir, { recursive: true });
      await rename(tmp, target);
    }
    await rm(old, { recursive: true, force: true });
    return { files, partitions };
  }

  /** Steps 1 and 2 of an incremental export for one table. */
  private async exportNew(
    con: DuckDBConnection,
    slots: ScanSlots,
    spec: TableSpec,
    last: number,
    cur: number,
  ): Promise<{ added: number; rewritten: number; rewrittenFiles: number }> {
    const seqs = (alias: string): string => `${alias}.${COMMIT_SEQ} > ${last} AND ${alias}.${COMMIT_SEQ} <= ${cur}`;
    const markedSql = `SELECT DISTINCT r.instrument, r.date FROM ${LAKE_REWRITES} r WHERE r.tbl = ${sqlString(spec.name)} AND ${seqs('r')}`;
    const marked = (await con.runAndReadAll(`SELECT instrument, CAST(date AS VARCHAR) FROM (${markedSql})`))
      .getRows()
      .map(([i, d]): PartitionRef => ({ instrument: readString(i, 'instrument'), date: readString(d, 'date') }));

    // 1. The new rows of every partition not rewritten below, one file per partition.
    const part = partitionSql(spec, 't');
    const on = `${spec.lakeByInstrument ? 'm.instrument = t.instrument AND ' : ''}m.date = ${part.date}`;
    const skip = marked.length > 0 ? ` ANTI JOIN (${markedSql}) m ON ${on}` : '';
    const inc = this.stagingDir(spec, 'new');
    await this.copy(con, spec, skip, seqs('t'), await this.countPartitions(con, spec, seqs('t')), inc, 'part-{i}');
    const prefix = `part-${last + 1}_`;
    const compact: string[] = [];
    let added = 0;
    if (this.fileCounts.size > MAX_TRACKED_PARTITIONS) this.fileCounts.clear();
    for (const rel of await partitionDirs(inc, depthOf(spec))) {
      const staged = await parquetNames(join(inc, rel));
      const target = join(this.dir, spec.name, rel);
      const id = `${spec.name}/${rel}`;
      const known = this.mayHaveLeftovers ? undefined : this.fileCounts.get(id);
      const present = known === undefined ? await parquetNames(target) : undefined;
      let count = known ?? present?.length ?? 0;
      // Leftovers of a failed attempt go first: a reader may briefly miss these rows, never see them twice.
      for (const f of present ?? []) {
        if (!f.startsWith(prefix)) continue;
        await rm(join(target, f), { force: true });
        count--;
      }
      await mkdir(target, { recursive: true });
      for (const [k, f] of staged.entries()) await rename(join(inc, rel, f), join(target, `${prefix}${k}.parquet`));
      this.fileCounts.set(id, count + staged.length);
      added += staged.length;
      if (this.writable && count + staged.length > compactionPoint(id)) compact.push(rel);
    }
    await rm(inc, { recursive: true, force: true });

    // 2. Partitions rewritten whole: from the table where rows were replaced, from their own files where they have too many.
    const r = { added, rewritten: 0, rewrittenFiles: 0 };
    if (marked.length > 0) {
      const n = await this.rewrite(con, slots, spec, marked, cur);
      r.rewritten += n.rewritten;
      r.rewrittenFiles += n.rewrittenFiles;
    }
    if (compact.length > 0) {
      const n = await this.compact(con, slots, spec, compact, cur);
      r.rewritten += n.rewritten;
      r.rewrittenFiles += n.rewrittenFiles;
    }
    return r;
  }

  /** Makes `temp.tickflow_lake_parts` (instrument, date) hold `parts`. */
  private async listParts(con: DuckDBConnection, slots: ScanSlots, spec: TableSpec, parts: readonly PartitionRef[]): Promise<void> {
    const slot = `lake-${spec.name}`;
    slots.set(slot, {
      rows: parts.length,
      columns: [
        { name: 'instrument', kind: 'str', data: parts.map((p) => p.instrument) },
        { name: 'date', kind: 'str', data: parts.map((p) => p.date) },
      ],
    });
    try {
      await con.run(
        `CREATE OR REPLACE TEMP TABLE tickflow_lake_parts AS SELECT instrument, CAST(date AS DATE) AS date FROM tickflow_scan('${slot}')`,
      );
    } finally {
      slots.delete(slot);
    }
  }

  /**
   * Rewrites each partition (relative path) into one file, from its own files: their rows are
   * the partition's rows up to `cur` (a partition whose rows were replaced is rewritten from
   * the table instead, see rewrite). It was rewritten from the table, like those, but that
   * scans the table's rows of the whole day for each COPY: with 1,000 instruments, every
   * export compacts some partitions (their compaction points are spread), so each export read
   * the day so far, ~180 MB of DuckDB's cache after 20 minutes, and more as the day went on.
   *
   * The partitions are listed in `lake_rewrites` (committed) before anything is renamed: a
   * crash between a partition's two renames leaves it to the retry, which rewrites it from the
   * table. Each COPY reads the files of at most PARTITIONS_PER_COPY partitions.
   *
   * No ORDER BY: each file is in time order and holds later commits than the one before it, so
   * the files read in commit order (`bySeq`) are in time order but for trades that arrived
   * late. Sorting a busy partition cost far more than reading it: 8 partitions holding 22
   * minutes of 1,000 simulated instruments (BTC's 35 MB of Parquet among them) peaked at 684
   * MB resident, against 222 MB unsorted (2026-12-03). With one DuckDB thread (the store's
   * setting) the rows come out in the order the files are read.
   */
  private async compact(
    con: DuckDBConnection,
    slots: ScanSlots,
    spec: TableSpec,
    rels: readonly string[],
    cur: number,
  ): Promise<{ rewritten: number; rewrittenFiles: number }> {
    await this.listParts(con, slots, spec, rels.map(refOf));
    await con.run(`INSERT INTO ${LAKE_REWRITES} SELECT ${sqlString(spec.name)}, instrument, date, ${cur} FROM temp.tickflow_lake_parts`);
    const tmp = this.stagingDir(spec, 'compact');
    await mkdir(tmp, { recursive: true });
    const cols = fileColumns(spec);
    const hive = spec.lakeByInstrument ? `{'instrument': VARCHAR, 'date': DATE}` : `{'date': DATE}`;
    const by = partitionBy(spec);
    for (let i = 0; i < rels.length; i += PARTITIONS_PER_COPY) {
      const files: string[] = [];
      for (const rel of rels.slice(i, i + PARTITIONS_PER_COPY)) {
        for (const f of bySeq(await parquetNames(join(this.dir, spec.name, rel)))) files.push(join(this.dir, spec.name, rel, f));
      }
      if (files.length === 0) continue;
      const out = `${tmp}.${i}`;
      const from = `read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = true, hive_types = ${hive})`;
      await con.run(
        `COPY (SELECT ${cols.join(', ')}, ${by} FROM ${from}) TO ${sqlString(out)} ` +
          `(${this.parquet}, PARTITION_BY (${by}), FILENAME_PATTERN 'part-0_{i}')`,
      );
      await movePartitions(spec, out, tmp);
    }
    return this.swapIn(spec, tmp);
  }

  /** Rewrites the partitions `parts` (whose rows were replaced, listed in `lake_rewrites`) from the table. */
  private async rewrite(
    con: DuckDBConnection,
    slots: ScanSlots,
    spec: TableSpec,
    parts: readonly PartitionRef[],
    cur: number,
  ): Promise<{ rewritten: number; rewrittenFiles: number }> {
    await this.listParts(con, slots, spec, parts);
    // The date bounds let DuckDB skip row groups outside the touched days.
    const dates = parts.map((p) => p.date).sort();
    const lo = Date.parse(`${dates[0] ?? '1970-01-01'}T00:00:00Z`);
    const hi = Date.parse(`${dates[dates.length - 1] ?? '1970-01-01'}T00:00:00Z`) + 86_400_000;
    const time = `t.${q(spec.time)}`;
    const part = partitionSql(spec, 't');
    const on = `${spec.lakeByInstrument ? 'd.instrument = t.instrument AND ' : ''}d.date = ${part.date}`;
    const where = `${time} >= ${lo} AND ${time} < ${hi} AND t.${COMMIT_SEQ} <= ${cur}`;
    const tmp = this.stagingDir(spec, 'rewrite');
    // The rows a rewrite scans (a whole day of the table) are not counted: as few COPYs as may be.
    await this.copy(con, spec, ` SEMI JOIN temp.tickflow_lake_parts d ON ${on}`, where, { partitions: parts.length }, tmp, 'part-0_{i}');
    return this.swapIn(spec, tmp);
  }

  /** Moves each partition directory of `tmp` into the lake in place of the old one. */
  private async swapIn(spec: TableSpec, tmp: string): Promise<{ rewritten: number; rewrittenFiles: number }> {
    let files = 0;
    let rewritten = 0;
    for (const rel of await partitionDirs(tmp, depthOf(spec))) {
      const target = join(this.dir, spec.name, rel);
      const n = await countFiles(join(tmp, rel), false);
      const old = join(tmp, `${rel.split(sep).join('_')}-old`);
      await rename(target, old).catch(() => undefined);
      await mkdir(join(target, '..'), { recursive: true });
      await rename(join(tmp, rel), target);
      this.fileCounts.set(`${spec.name}/${rel}`, n);
      files += n;
      rewritten++;
    }
    await rm(tmp, { recursive: true, force: true });
    return { rewritten, rewrittenFiles: files };
  }
}

const depthOf = (spec: TableSpec): number => (spec.lakeByInstrument ? 2 : 1);

/** The columns a lake file holds (quoted): the table's, less the partition's (instrument). */
const fileColumns = (spec: TableSpec): string[] =>
  spec.columns.filter((c) => !(spec.lakeByInstrument && c.name === 'instrument')).map((c) => q(c.name));

/** The PARTITION_BY columns of a table's lake. */
const partitionBy = (spec: TableSpec): string => (spec.lakeByInstrument ? 'instrument, date' : 'date');

/** Moves the partition directories one COPY wrote under `from` to the same places under `to`. */
async function movePartitions(spec: TableSpec, from: string, to: string): Promise<void> {
  for (const rel of await partitionDirs(from, depthOf(spec))) {
    await mkdir(dirname(join(to, rel)), { recursive: true });
    await rename(join(from, rel), join(to, rel));
  }
}

/** FNV-1a, for a stable spread of compaction points. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A partition is compacted when an export would leave it with more files than this (MAX/2 < point <= MAX). */
export function compactionPoint(id: string): number {
  const half = MAX_FILES_PER_PARTITION / 2;
  return half + 1 + (hash(id) % half);
}

/** `instrument=<escaped>/date=<YYYY-MM-DD>` (or `date=…`) back to the partition's values. */
function refOf(rel: string): PartitionRef {
  let instrument = '';
  let date = '';
  for (const seg of rel.split(sep)) {
    const eq = seg.indexOf('=');
    const k = seg.slice(0, eq);
    const v = seg.slice(eq + 1);
    if (k === 'instrument') instrument = decodeURIComponent(v);
    else if (k === 'date') date = v;
  }
  return { instrument, date };
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

/** Parquet file names (`part-<seq>_<k>.parquet`) in the order of the commits they hold. */
function bySeq(names: readonly string[]): string[] {
  const key = (n: string): [number, number] => {
    const m = /^part-(\d+)_(\d+)\.parquet$/.exec(n);
    return m ? [Number(m[1]), Number(m[2])] : [Infinity, 0];
  };
  return [...names].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0] - y[0] || x[1] - y[1] || (a < b ? -1 : a > b ? 1 : 0);
  });
}

/** Names of the Parquet files directly in `dir`, sorted (none if it does not exist). */
async function parquetNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => e.name)
    .sort();
}

async function countFiles(root: string, recursive: boolean): Promise<number> {
  const entries = await readdir(root, { withFileTypes: true, recursive }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.endsWith('.parquet')).length;
}
