/**
 * The shipped Prometheus files, checked by Debian's promtool (CI installs the `prometheus`
 * package): the rules parse, the scrape config is valid, and the rule unit tests in
 * ops/prometheus/tests pass (a stale feed fires after its `for:`, a breaker trip fires and its
 * lift resolves, ...).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const OPS = fileURLToPath(new URL('../ops/prometheus/', import.meta.url));

function hasPromtool(): boolean {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const available = hasPromtool();
if (!available && process.env['CI'] === 'true')
  throw new Error('promtool is not installed (apt-get install -y prometheus): the rule checks cannot run');

function promtool(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd: OPS, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.runIf(available)('ops/prometheus with promtool', () => {
  it('check rules: every alerting rule parses', () => {
    const r = promtool('check', 'rules', 'rules/tickerml.rules.yml');
    expect(r.out).toMatch(/SUCCESS: 12 rules found/);
    expect(r.code).toBe(0);
  });

  it('check config: the scrape configuration is valid', () => {
    const r = promtool('check', 'config', 'prometheus.yml');
    expect(r.code, r.out).toBe(0);
  });

  it('test rules: the rule unit tests pass', () => {
    const r = promtool('test', 'rules', 'tests/tickerml.rules.test.yml');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS');
  });
});
