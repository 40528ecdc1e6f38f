import { execSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export type Row = Record<string, string | number>;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FILE = `${ROOT}docs/BENCHMARKS.md`;

function commit(): string {
  try {
    const sha = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
    const dirty = execSync('git status --porcelain -- src bench', { cwd: ROOT }).toString().trim() !== '';
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return 'unknown';
  }
}

export function machine(): string {
  const c = cpus();
  return `${c[0]?.model.trim() ?? 'cpu'} × ${c.length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${process.platform}`;
}

function table(rows: readonly Row[]): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const fmt = (v: string | number | undefined): string =>
    typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(2)) : (v ?? '');
  return [
    `| ${cols.join(' | ')} |`,
    `|${cols.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${cols.map((c) => fmt(r[c])).join(' | ')} |`),
  ].join('\n');
}

/** Prints the table and appends it to docs/BENCHMARKS.md with date, commit and machine. */
export function report(title: string, rows: readonly Row[], notes: readonly string[] = []): void {
  const t = table(rows);
  process.stdout.write(`\n${title}\n${t}\n${notes.map((n) => `  ${n}`).join('\n')}\n`);
  if (process.env['BENCH_NO_RECORD']) return;
  if (!existsSync(FILE)) writeFileSync(FILE, '# Benchmarks\n\nAppended by `npm run bench` (each script under `bench/`). Newest last.\n');
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  appendFileSync(
    FILE,
    `\n## ${title}\n\n${when} UTC · commit ${commit()} · ${machine()}\n\n${t}\n${notes.length ? `\n${notes.map((n) => `- ${n}`).join('\n')}\n` : ''}`,
  );
}
