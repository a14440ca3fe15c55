/**
 * Dataset building against a plain `tickerml replay` of the same recording, in the same process,
 * alternating, CPU time (user + system) per run. Issue 12's goal: features and labels add at
 * most 50 % to the replay's CPU time.
 *
 * Run (about a minute on the bundled recording at 5 runs per mode):
 *   npx tsx --conditions=@tickerml/source packages/rl/bench/dataset.ts [--runs 5] [--data <recording...>]
 *
 * Modes, each over the whole recording:
 * - `replay`: `runReplay` of `tickerml replay <file>` (the CLI's own code): a pass to infer the
 *   instruments, then every frame through the venue's real handler into its books; a report.
 * - `events`: `openEvents(...).events()` of `@tickerml/exchanges` iterated to the end: the
 *   production read path the dataset builder stands on (its own inference pass, then the handler),
 *   with nothing done per event. Shown to separate reading from encoding.
 * - `dataset`: `buildDataset` (what `pc-trainer dataset` runs): the read path, one StateEncoder per
 *   instrument on every event, decisions every 1 s, labels, the Arrow file written and hashed,
 *   the sources hashed.
 *
 * Prints one line per run, then per mode the median CPU seconds with the min-max spread, and the
 * dataset's median over the replay's median; the load average before and after.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEvents } from '@tickerml/exchanges';
// The CLI's replay command itself, from its sources (rl does not depend on the CLI).
import { runReplay } from '../../cli/src/commands/replay.js';
import { buildDataset } from '../src/index.js';

function arg(name: string): string[] {
  const i = process.argv.indexOf(name);
  if (i < 0) return [];
  const out: string[] = [];
  for (let k = i + 1; k < process.argv.length && !(process.argv[k] as string).startsWith('--'); k++)
    out.push(process.argv[k] as string);
  return out;
}
const RUNS = Number(arg('--runs')[0] ?? 5);
const DATA = arg('--data');
const files =
  DATA.length > 0
    ? DATA
    : [
        fileURLToPath(
          new URL(
            '../../../examples/pi-trader/recordings/binance/hftbacktest_spot_btcusdt_20240808.gz',
            import.meta.url,
          ),
        ),
      ];
const dir = mkdtempSync(join(tmpdir(), 'rl-bench-'));
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();

type Mode = 'replay' | 'events' | 'dataset';
const silent = { stdout: () => {}, stderr: () => {} };

async function runOnce(mode: Mode): Promise<{ cpuS: number; wallS: number; detail: string }> {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let detail = '';
  if (mode === 'replay') {
    const { report } = await runReplay(
      { files, format: 'auto', throughServer: false, inject: undefined, seed: 1, json: true },
      silent,
    );
    detail = `${report.framesRead} frames`;
  } else if (mode === 'events') {
    const recording = await openEvents(files);
    let n = 0;
    for await (const _ of recording.events()) n++;
    detail = `${n} events`;
  } else {
    const summary = await buildDataset({ sources: files, out: join(dir, 'bench.arrow') });
    detail = `${summary.events} events, ${summary.rows} rows`;
  }
  const cpu = process.cpuUsage(cpu0);
  return { cpuS: (cpu.user + cpu.system) / 1e6, wallS: (performance.now() - wall0) / 1e3, detail };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const modes: Mode[] = ['replay', 'events', 'dataset'];
console.log(`files: ${files.join(', ')}`);
console.log(`node ${process.version}, load average before: ${loadavg()}`);
// One warm-up run of each mode (JIT, file cache), not counted.
for (const mode of modes) await runOnce(mode);
const cpu: Record<Mode, number[]> = { replay: [], events: [], dataset: [] };
for (let r = 0; r < RUNS; r++) {
  for (const mode of modes) {
    const x = await runOnce(mode);
    cpu[mode].push(x.cpuS);
    console.log(
      `run ${r + 1} ${mode.padEnd(8)} cpu ${x.cpuS.toFixed(3)} s  wall ${x.wallS.toFixed(3)} s  (${x.detail})`,
    );
  }
}
for (const mode of modes) {
  const xs = cpu[mode];
  console.log(
    `${mode.padEnd(8)} median ${median(xs).toFixed(3)} s cpu  (min ${Math.min(...xs).toFixed(3)}, max ${Math.max(...xs).toFixed(3)}, ${xs.length} runs)`,
  );
}
const ratio = median(cpu.dataset) / median(cpu.replay);
console.log(`dataset / replay: ${ratio.toFixed(2)}x  (goal: <= 1.50x)`);
console.log(`events / replay: ${(median(cpu.events) / median(cpu.replay)).toFixed(2)}x`);
console.log(`load average after: ${loadavg()}`);
rmSync(dir, { recursive: true, force: true });
