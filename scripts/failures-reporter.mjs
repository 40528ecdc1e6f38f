// A node:test reporter that prints nothing but, at the very end, every failed test with its
// file and the first lines of its error: CI keeps only the tail of a long TAP stream, and a
// failure in the middle of it would otherwise go unnamed.
import { relative } from 'node:path';
import process from 'node:process';

const root = process.cwd();

function firstLines(error, n) {
  const e = error?.cause ?? error;
  const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  return text
    .split('\n')
    .filter((line) => !/^\s+at .*(node:internal|node:async_hooks|\(<anonymous>\))/.test(line))
    .slice(0, n);
}

export default async function* failures(source) {
  const failed = [];
  for await (const { type, data } of source) {
    if (type !== 'test:fail') continue;
    // A suite fails when one of its tests does; that test is listed already.
    if (data.details?.type === 'suite' && data.details.error?.failureType === 'subtestsFailed') continue;
    failed.push(data);
  }
  if (failed.length === 0) return;
  yield `\n# ${failed.length} failed:\n`;
  for (const t of failed) {
    // The file only: under tsx the line the runner reports is not the source's.
    const where = t.file ? relative(root, t.file) : '';
    yield `# not ok - ${t.name}${where ? ` (${where})` : ''}\n`;
    for (const line of firstLines(t.details?.error, 12)) yield `#     ${line}\n`;
  }
}
