#!/usr/bin/env node
// Reads vitest's JSON report and prints the closing line CI looks for ("N passed, N failed, N skipped").
// Fails when no test ran at all, or when the Kafka / PostgreSQL plumbing tests did not actually run
// (skipped or missing), so a green CI always means the real services were exercised.
// Usage: node scripts/test-summary.mjs test-artifacts/vitest.json
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const path = process.argv[2] ?? 'test-artifacts/vitest.json';
let report;
try {
  report = JSON.parse(readFileSync(path, 'utf8'));
} catch (error) {
  console.error(`test-summary: cannot read vitest's JSON report at ${path}: ${error.message}`);
  process.exit(1);
}

const byFile = new Map();
for (const file of report.testResults ?? []) {
  const name = relative(process.cwd(), file.name);
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const test of file.assertionResults ?? []) {
    if (test.status === 'passed') counts.passed += 1;
    else if (test.status === 'failed') counts.failed += 1;
    else counts.skipped += 1;
  }
  byFile.set(name, counts);
}

const REQUIRED = ['test/integration/kafka.int.test.ts', 'test/integration/postgres.int.test.ts'];
const problems = [];
for (const file of REQUIRED) {
  const counts = byFile.get(file);
  if (counts === undefined) problems.push(`${file} did not run`);
  else if (counts.passed === 0) problems.push(`${file} ran no passing test (${JSON.stringify(counts)})`);
}

const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
if (passed + failed === 0) problems.push('no test was executed');
if ((report.numFailedTestSuites ?? 0) > 0 && failed === 0) {
  problems.push(`${report.numFailedTestSuites} test file(s) failed to load`);
}

console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
for (const problem of problems) console.error(`test-summary: ${problem}`);
process.exit(problems.length > 0 || failed > 0 || report.success === false ? 1 : 0);
