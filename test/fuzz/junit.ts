/**
 * Reads the JUnit XML report of `st run --report junit`: one <testcase> per API operation, with a
 * <failure> per failed check (Schemathesis' text: "1. Test Case ID: …", "- ST108 Response
 * violates schema", the answer, "Reproduce with:" and a curl line) and an <error> when the
 * operation could not be tested at all (e.g. a schema Schemathesis cannot read).
 */

export interface Finding {
  /** `GET /api/bars`, or `Stateful tests`. */
  readonly operation: string;
  /** `ST108 Response violates schema`, or `error` for an operation that could not be tested. */
  readonly check: string;
  /** The first lines of the explanation and the status line of the answer. */
  readonly summary: string;
  /** The command that reproduces it (the last one of a stateful sequence), when there is one. */
  readonly curl: string | undefined;
}

export interface JunitReport {
  /** Operations tested. */
  readonly tests: number;
  readonly findings: Finding[];
}

export function parseJunit(xml: string): JunitReport {
  const tests = Number(/<testsuite\b[^>]*\btests="(\d+)"/.exec(xml)?.[1] ?? 0);
  const findings: Finding[] = [];
  for (const tc of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const operation = unescapeXml(/\bname="([^"]*)"/.exec(tc[1] ?? '')?.[1] ?? '?');
    for (const el of (tc[2] ?? '').matchAll(/<(failure|error)\b[^>]*>([\s\S]*?)<\/\1>/g)) {
      const text = unescapeXml(el[2] ?? '');
      if (el[1] === 'error') findings.push({ operation, check: 'error', summary: firstLines(text, 8), curl: undefined });
      else findings.push(...failuresIn(operation, text));
    }
  }
  return { tests, findings };
}

/** One finding per check that failed in each numbered test case of a <failure>. */
function failuresIn(operation: string, text: string): Finding[] {
  const out: Finding[] = [];
  const cases = text.split(/^\d+\. Test Case ID: \S+\s*$/m).filter((c) => c.trim() !== '');
  for (const c of cases) {
    const lines = c.split('\n');
    const status = lines.find((l) => /^\[\d{3}\] /.test(l))?.trim() ?? '';
    const curls = lines.map((l) => l.trim()).filter((l) => l.startsWith('curl '));
    const curl = curls[curls.length - 1];
    const checks = lines.flatMap((l, i) => (/^- ST\d+ /.test(l) ? [i] : []));
    if (checks.length === 0) {
      out.push({ operation, check: 'failure', summary: firstLines(c, 6), curl });
      continue;
    }
    for (const i of checks) {
      const check = (lines[i] ?? '').slice(2).trim();
      // The explanation: the lines under the check's title, up to the answer's status line.
      const detail: string[] = [];
      for (const l of lines.slice(i + 1)) {
        if (/^- ST\d+ |^\[\d{3}\] |^Reproduce with:/.test(l)) break;
        if (l.trim() !== '' && detail.length < 3) detail.push(l.trim());
      }
      out.push({ operation, check, summary: [...detail, status].filter((s) => s !== '').join(' | '), curl });
    }
  }
  return out;
}

function firstLines(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .slice(0, n)
    .join(' | ');
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e] ?? m;
  });
}

/**
 * A crash inside Schemathesis or Hypothesis, not an answer of ours: CPython 3.11's `ast` module
 * sometimes fails while Hypothesis describes a lambda ("AST constructor recursion depth
 * mismatch", seen once in 2026-12-03's runs with the fixed seed that passed before and after).
 */
export function isToolCrash(f: Finding): boolean {
  return f.check === 'error' && f.summary.includes('Traceback') && /site-packages\/(hypothesis|schemathesis)\//.test(f.summary);
}
