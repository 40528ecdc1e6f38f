import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isToolCrash, parseJunit } from './junit.js';

// The shape of Schemathesis 4.32's JUnit report (st run --report junit), abridged from a real run.
const REPORT = `<?xml version="1.0" encoding="utf-8"?>
<testsuites errors="1" failures="2" skipped="0" tests="3" time="20.9">
  <testsuite name="schemathesis" hostname="vm" errors="1" failures="2" skipped="0" tests="3" time="20.9">
    <testcase name="GET /health" time="0.1" />
    <testcase name="POST /api/models/{id}/promote" time="1.9">
      <failure type="failure" message="ST101">1. Test Case ID: zw0AQ8

- ST101 Server error

[503] Service Unavailable:

    \`{&quot;error&quot;:{&quot;code&quot;:&quot;UNAVAILABLE&quot;}}\`

Reproduce with:

    curl -X POST 'http://127.0.0.1:18931/api/models/binance%3ALTCUSDT~1m~drift/promote'

2. Test Case ID: jSDY7Y

- ST108 Response violates schema

    &quot;Bad Request&quot; is not of type &quot;object&quot;

    Validated against the response schema for \`4XX\` (status code 414).

[414] URI Too Long:

    \`{&quot;error&quot;:&quot;Bad Request&quot;}\`

Reproduce with:

    curl -X POST http://127.0.0.1:18931/api/models/0000/promote</failure>
    </testcase>
    <testcase name="POST /predict" time="0.2">
      <error type="error">Schema Error

Invalid \`high\` definition

Error details:
    &quot;minimum&quot; is a required property</error>
    </testcase>
  </testsuite>
</testsuites>`;

describe('parseJunit', () => {
  it('gives one finding per failed check of each test case, with its curl, and one per operation that could not be tested', () => {
    const r = parseJunit(REPORT);
    assert.equal(r.tests, 3);
    assert.deepEqual(
      r.findings.map((f) => [f.operation, f.check]),
      [
        ['POST /api/models/{id}/promote', 'ST101 Server error'],
        ['POST /api/models/{id}/promote', 'ST108 Response violates schema'],
        ['POST /predict', 'error'],
      ],
    );
    assert.equal(r.findings[0]?.curl, "curl -X POST 'http://127.0.0.1:18931/api/models/binance%3ALTCUSDT~1m~drift/promote'");
    assert.equal(r.findings[0]?.summary, '[503] Service Unavailable:');
    assert.match(r.findings[1]?.summary ?? '', /^"Bad Request" is not of type "object" \| Validated against .* \| \[414\] URI Too Long:$/);
    assert.equal(r.findings[1]?.curl, 'curl -X POST http://127.0.0.1:18931/api/models/0000/promote');
    assert.match(r.findings[2]?.summary ?? '', /^Schema Error \| Invalid `high` definition .*"minimum" is a required property/);
  });

  it('finds nothing in a clean report', () => {
    const r = parseJunit(
      '<testsuites><testsuite name="schemathesis" tests="2"><testcase name="GET /a" time="1" /><testcase name="GET /b" time="1"></testcase></testsuite></testsuites>',
    );
    assert.deepEqual(r, { tests: 2, findings: [] });
  });

  it('tells a crash inside Hypothesis or Schemathesis from a finding about the API', () => {
    const crash = {
      operation: 'GET /api/alerts',
      check: 'error',
      summary:
        'Runtime Error | AST constructor recursion depth mismatch (before=66, after=62) | Traceback (most recent call last): | File "/opt/schemathesis/lib/python3.11/site-packages/hypothesis/internal/lambda_sources.py", line 353',
      curl: undefined,
    };
    assert.equal(isToolCrash(crash), true);
    assert.equal(isToolCrash({ ...crash, check: 'ST101 Server error' }), false);
    assert.equal(isToolCrash({ ...crash, summary: 'Schema Error | Invalid `high` definition' }), false);
  });
});
