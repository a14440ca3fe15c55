/**
 * `pc-trainer trajectories`: runs each baseline strategy, plus seeded ε-perturbed variants, through
 * the backtest's Engine over a dataset's period and writes the offline-RL trajectory file
 * (docs/learning.md, "Trajectory files" and "Trajectories and reward").
 *
 * @module
 */
import { BaseError, defaultConfig, loadConfig, parseDuration } from '@tickerml/core';
import { buildTrajectories, openDatasetRecordings, readDataset, writeFileAtomic } from '@tickerml/rl';
import { type CommandIo, errorLine, integerFlag, parseFlags, processIo, UsageError } from '../args.js';
import { progressBar } from '../progress.js';

/** Usage text of `pc-trainer trajectories`. */
export const TRAJECTORIES_USAGE = `Usage: pnpm pc-trainer trajectories --dataset <file.arrow> --out <file.arrow> [options]

Runs each baseline strategy and its epsilon-perturbed variants (with probability epsilon a step's
action is replaced by a random one, from a seeded generator) through the backtest's Engine over
the dataset's period, re-reading the recordings the dataset lists (their sha256 must match), and
writes one row per decision step: the dataset's state vector, action (0 sell, 1 hold, 2 buy), size
in [0, 1], reward (marked equity change net of fees, slippage and funding, as a fraction of
starting equity), return-to-go, risk bucket, episode boundaries. Same seed, same file.

Options:
  --dataset <file>        dataset from "pc-trainer dataset"
  --out <file>            the trajectory file to write (Apache Arrow IPC)
  --seed <n>              first seed (default: config.yaml trading seed)
  --epsilons <list>       e.g. 0,0.1,0.3 (default: model_config.yaml trajectories.epsilons)
  --strategies <list>     baselines, e.g. obi-momentum,market-maker (default: every one the data allows)
  --instrument <v:s>      the traded instrument, e.g. binance:BTC/USDT (default: the dataset's first)
  --notional <amount>     quote value of each baseline order (default 1000)
  --config <dir>          configuration directory; defaults apply without it
  --json                  print the summary as JSON
  -h, --help              show this help

Exit status: 0 done, 1 bad input (unreadable dataset, recordings missing or changed), 2 bad arguments.
`;

/**
 * Runs `pc-trainer trajectories`; returns the exit status.
 *
 * @example
 * ```ts
 * process.exitCode = await trajectoriesCommand(['--dataset', 'btc.arrow', '--out', 'traj.arrow', '--seed', '7']);
 * ```
 */
export async function trajectoriesCommand(args: readonly string[], io: CommandIo = processIo): Promise<number> {
  let flags: ReturnType<typeof parseFlags>;
  let seed: number | undefined;
  let epsilons: number[] | undefined;
  let traded: { venue: string; symbol: string } | undefined;
  try {
    flags = parseFlags(
      args,
      ['--dataset', '--out', '--seed', '--epsilons', '--strategies', '--instrument', '--notional', '--config'],
      ['--json'],
    );
    const v = flags.values;
    if (!flags.help) {
      if (!v.has('--dataset')) throw new UsageError('--dataset <file.arrow> is required');
      if (!v.has('--out')) throw new UsageError('--out <file.arrow> is required');
    }
    if (v.has('--seed')) seed = integerFlag('--seed', v.get('--seed') as string, 0, 2 ** 31 - 1);
    if (v.has('--epsilons')) {
      epsilons = (v.get('--epsilons') as string).split(',').map((text) => {
        const e = Number(text);
        if (text.trim() === '' || !(e >= 0 && e <= 1))
          throw new UsageError(`--epsilons takes numbers in [0, 1], was "${text}"`);
        return e;
      });
    }
    if (v.has('--instrument')) {
      const text = v.get('--instrument') as string;
      const at = text.indexOf(':');
      if (at <= 0 || at === text.length - 1) throw new UsageError(`--instrument takes venue:symbol, was "${text}"`);
      traded = { venue: text.slice(0, at), symbol: text.slice(at + 1) };
    }
    const notional = v.get('--notional');
    if (notional !== undefined && !/^\d+(\.\d+)?$/.test(notional))
      throw new UsageError(`--notional must be a decimal amount, was "${notional}"`);
  } catch (error) {
    io.stderr(
      `pc-trainer trajectories: ${error instanceof BaseError ? error.shortMessage : String(error)}\n\n${TRAJECTORIES_USAGE}`,
    );
    return 2;
  }
  if (flags.help) {
    io.stdout(TRAJECTORIES_USAGE);
    return 0;
  }
  try {
    const configDir = flags.values.get('--config');
    const config = configDir === undefined ? defaultConfig() : loadConfig(configDir);
    const t = config.model.trajectories;
    const dataset = readDataset(flags.values.get('--dataset') as string);
    const recordings = await openDatasetRecordings(dataset);
    const out = flags.values.get('--out') as string;
    const strategies = flags.values.get('--strategies')?.split(',');
    const eps = epsilons ?? [...t.epsilons];
    const bar = progressBar({ label: 'trajectories', total: 1, enabled: io.isTty, write: io.stderr });
    const result = await buildTrajectories({
      dataset,
      recordings,
      ...(traded === undefined ? {} : { traded }),
      ...(strategies === undefined ? {} : { strategies }),
      epsilons: eps,
      seedsPerVariant: t.seedsPerVariant,
      seed: seed ?? config.app.trading.seed,
      episodeUs: parseDuration(t.episode),
      riskBuckets: t.riskBuckets,
      rewardScale: config.model.decisionTransformer.rtgScale,
      orderNotional: flags.values.get('--notional') ?? '1000',
      startingBalance: config.app.trading.startingBalance,
      onVariant: (done, total, name) => bar.update(done / total, `${done}/${total} ${name}`),
    });
    bar.finish(`${result.variants.length} runs`);
    writeFileAtomic(out, result.bytes);
    const summary = {
      out,
      rows: result.rows,
      episodes: result.episodes,
      dataset_sha256: dataset.sha256,
      variants: result.variants.map((v) => ({
        strategy: v.strategy,
        epsilon: v.epsilon,
        seed: v.seed,
        steps: v.run.steps.length,
        trades: v.run.steps.filter((s) => s.action !== 1).length,
        return: v.run.startingEquity === 0 ? 0 : v.run.finalEquity / v.run.startingEquity - 1,
      })),
    };
    if (flags.switches.has('--json')) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      const lines = [
        `trajectories     ${out}`,
        `rows             ${result.rows} in ${result.episodes} episodes`,
        `dataset          ${dataset.path} (sha256 ${dataset.sha256.slice(0, 16)}…)`,
        ...summary.variants.map(
          (v) =>
            `${v.strategy.padEnd(16)} eps ${String(v.epsilon).padEnd(4)} seed ${v.seed}: ${v.trades} trading steps of ${v.steps}, return ${(v.return * 100).toFixed(4)} %`,
        ),
      ];
      io.stdout(`${lines.join('\n')}\n`);
    }
    return 0;
  } catch (error) {
    io.stderr(`pc-trainer trajectories: ${errorLine(error)}\n`);
    return 1;
  }
}
