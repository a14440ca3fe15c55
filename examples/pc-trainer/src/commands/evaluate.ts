/**
 * `pc-trainer evaluate`: combinatorial purged cross-validation of a policy against flat,
 * buy-and-hold and the baseline strategies, each run through the backtest's Engine on the test
 * groups; per-path figures and their distributions as JSON and a self-contained HTML report.
 *
 * The model under evaluation comes from a {@link ModelPolicyLoader}: the training code passes one
 * (it fits the Decision Transformer on each split's training rows); without it, `--model` is
 * refused and the benchmarks and baselines are evaluated alone.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BaseError, defaultConfig, LiveClock, loadConfig, parseDuration } from '@tickerml/core';
import {
  evaluate,
  evaluationToHtml,
  evaluationToJson,
  type LearningCurve,
  openDatasetRecordings,
  type PolicyFactory,
  readDataset,
  resolveAsOf,
} from '@tickerml/rl';
import { type CommandIo, durationFlag, errorLine, integerFlag, parseFlags, processIo, UsageError } from '../args.js';
import { progressBar } from '../progress.js';

/** Turns `--model <version>` into a policy fitted per split (and, optionally, its learning curves). */
export type ModelPolicyLoader = (
  version: string,
  settings: { readonly modelsDir: string | undefined; readonly seed: number },
) => Promise<{
  readonly name: string;
  readonly fit: PolicyFactory;
  readonly learningCurves?: () => readonly LearningCurve[];
}>;

/** Usage text of `pc-trainer evaluate`. */
export const EVALUATE_USAGE = `Usage: pnpm pc-trainer evaluate --dataset <file.arrow> [--as-of <iso>] [--model <version>] [options]

For every CPCV split, fits the model on the training groups only (after purge, embargo and the
quarantine) and runs it through the backtest's Engine on the test groups; assembles the paths and
reports per path and as distributions: Sharpe per step with its sample count (annualised only
over 30 samples and 30 days), probabilistic and deflated Sharpe, max drawdown, hit rate and
turnover, beside flat, buy-and-hold and each baseline strategy on the same paths.

Options:
  --dataset <file>        dataset from "pc-trainer dataset"
  --as-of <iso>           the quarantine's reference, e.g. 2025-03-01T00:00:00Z (default: now);
                          every row must end quarantine_days before it (refused otherwise)
  --model <version>       a registered model version to evaluate (needs the trainer)
  --models <dir>          the model registry (default: model_config.yaml models_dir)
  --groups <N>            CPCV groups (default: cv.groups)
  --test-groups <k>       test groups per split (default: cv.test_groups)
  --embargo <duration>    embargo after each test group (default: cv.embargo)
  --baselines <list>      baselines to compare, e.g. obi-momentum,market-maker (default: all the data allows)
  --trials <n>            trials behind the deflated Sharpe (default: the strategies compared)
  --instrument <v:s>      the traded instrument (default: the dataset's first)
  --seed <n>              seed (default: config.yaml trading seed)
  --out <dir>             write evaluation.json and evaluation.html there
  --config <dir>          configuration directory; defaults apply without it
  --json                  print the report as JSON
  -h, --help              show this help

Exit status: 0 done, 1 bad input or refused (a quarantine refusal included), 2 bad arguments.
`;

const VALUED = [
  '--dataset',
  '--as-of',
  '--model',
  '--models',
  '--groups',
  '--test-groups',
  '--embargo',
  '--baselines',
  '--trials',
  '--instrument',
  '--seed',
  '--out',
  '--config',
] as const;

/**
 * Runs `pc-trainer evaluate`; returns the exit status.
 *
 * @param loadModel - how `--model` becomes a policy (the trainer's); absent, `--model` is refused
 * @example
 * ```ts
 * process.exitCode = await evaluateCommand(['--dataset', 'btc.arrow', '--as-of', '2025-03-01T00:00:00Z', '--out', 'eval']);
 * ```
 */
export async function evaluateCommand(
  args: readonly string[],
  io: CommandIo = processIo,
  loadModel?: ModelPolicyLoader,
): Promise<number> {
  let flags: ReturnType<typeof parseFlags>;
  const n: { groups?: number; testGroups?: number; embargoUs?: number; trials?: number; seed?: number } = {};
  let traded: { venue: string; symbol: string } | undefined;
  try {
    flags = parseFlags(args, VALUED, ['--json']);
    const v = flags.values;
    if (!flags.help && !v.has('--dataset')) throw new UsageError('--dataset <file.arrow> is required');
    if (v.has('--groups')) n.groups = integerFlag('--groups', v.get('--groups') as string, 2);
    if (v.has('--test-groups')) n.testGroups = integerFlag('--test-groups', v.get('--test-groups') as string, 1);
    if (v.has('--embargo')) n.embargoUs = durationFlag('--embargo', v.get('--embargo') as string, true);
    if (v.has('--trials')) n.trials = integerFlag('--trials', v.get('--trials') as string, 1);
    if (v.has('--seed')) n.seed = integerFlag('--seed', v.get('--seed') as string, 0, 2 ** 31 - 1);
    if (v.has('--instrument')) {
      const text = v.get('--instrument') as string;
      const at = text.indexOf(':');
      if (at <= 0 || at === text.length - 1) throw new UsageError(`--instrument takes venue:symbol, was "${text}"`);
      traded = { venue: text.slice(0, at), symbol: text.slice(at + 1) };
    }
  } catch (error) {
    io.stderr(
      `pc-trainer evaluate: ${error instanceof BaseError ? error.shortMessage : String(error)}\n\n${EVALUATE_USAGE}`,
    );
    return 2;
  }
  if (flags.help) {
    io.stdout(EVALUATE_USAGE);
    return 0;
  }
  try {
    const v = flags.values;
    const configDir = v.get('--config');
    const config = configDir === undefined ? defaultConfig() : loadConfig(configDir);
    // The command's start time from core's clock is the default as-of; the report records it.
    const asOfUs = resolveAsOf(v.get('--as-of'), new LiveClock());
    const seed = n.seed ?? config.app.trading.seed;
    const version = v.get('--model');
    let model: Awaited<ReturnType<ModelPolicyLoader>> | undefined;
    if (version !== undefined) {
      if (loadModel === undefined)
        throw new UsageError(
          `--model ${version}: this build of pc-trainer has no model loader; evaluate the benchmarks and baselines without --model`,
        );
      model = await loadModel(version, { modelsDir: v.get('--models'), seed });
    }
    const dataset = readDataset(v.get('--dataset') as string);
    const recordings = await openDatasetRecordings(dataset);
    const bar = progressBar({ label: 'evaluate', total: 1, enabled: io.isTty, write: io.stderr });
    const report = await evaluate({
      dataset,
      recordings,
      ...(traded === undefined ? {} : { traded }),
      cv: {
        groups: n.groups ?? config.model.cv.groups,
        testGroups: n.testGroups ?? config.model.cv.testGroups,
        embargoUs: n.embargoUs ?? parseDuration(config.model.cv.embargo),
      },
      asOfUs,
      quarantineDays: config.model.quarantineDays,
      seed,
      startingBalance: config.app.trading.startingBalance,
      ...(v.has('--baselines') ? { baselines: (v.get('--baselines') as string).split(',') } : {}),
      ...(n.trials === undefined ? {} : { trials: n.trials }),
      ...(model === undefined ? {} : { policy: { name: model.name, fit: model.fit } }),
      onRun: (done, total, what) => bar.update(done / total, `${done}/${total} ${what}`),
    });
    bar.finish('done');
    const out = v.get('--out');
    if (out !== undefined) {
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'evaluation.json'), evaluationToJson(report));
      writeFileSync(join(out, 'evaluation.html'), evaluationToHtml(report, model?.learningCurves?.() ?? []));
    }
    if (flags.switches.has('--json')) io.stdout(`${evaluationToJson(report)}\n`);
    else {
      const f = (x: number, d = 4) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
      const lines = [
        `dataset          ${dataset.path} (${dataset.rows} rows)`,
        `as-of            ${report.asOf} (quarantine ${report.quarantine.quarantineDays} d: rows up to ${new Date(report.quarantine.cutoffUs / 1000).toISOString()})`,
        `cv               ${report.cv.nSplits} splits, ${report.cv.nPaths} paths; DSR over ${report.trials} trials`,
        'strategy         return (median)  sharpe/step  PSR     DSR     max dd      hit    turnover',
        ...report.strategies.map(
          (s) =>
            `${s.name.padEnd(17)}${f(s.distribution.totalReturn.median, 6).padEnd(17)}${f(s.distribution.sharpePerStep.median).padEnd(13)}${f(s.distribution.psr.median, 3).padEnd(8)}${f(s.distribution.dsr.median, 3).padEnd(8)}${f(s.distribution.maxDrawdown.median, 6).padEnd(12)}${f(s.distribution.hitRate.median, 3).padEnd(7)}${f(s.distribution.turnover.median, 3)}`,
        ),
        `sharpe           ${report.strategies.flatMap((s) => s.paths.map((p) => p.sharpeWarning)).find((w) => w?.includes('not annualised') === true) ?? 'annualised figures in the JSON'}`,
        ...(out === undefined
          ? []
          : [`report           ${join(out, 'evaluation.html')}, ${join(out, 'evaluation.json')}`]),
      ];
      io.stdout(`${lines.join('\n')}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`pc-trainer evaluate: ${error.shortMessage}\n`);
      return 1;
    }
    io.stderr(`pc-trainer evaluate: ${errorLine(error)}\n`);
    return 1;
  }
}
