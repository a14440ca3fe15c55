/**
 * `pc-trainer cv`: the combinatorial purged cross-validation plan of a dataset (which rows train
 * and test in each split, after purge and embargo, and which path each test group feeds). The
 * conventions are in docs/learning.md, "Combinatorial purged cross-validation".
 *
 * @module
 */
import { BaseError, defaultConfig, loadConfig, parseDuration } from '@tickerml/core';
import { combinatorialPurgedCv, cpcvToJson, readDataset } from '@tickerml/rl';
import { type CommandIo, durationFlag, errorLine, integerFlag, parseFlags, processIo, UsageError } from '../args.js';

/** Usage text of `pc-trainer cv`. */
export const CV_USAGE = `Usage: pnpm pc-trainer cv --dataset <file.arrow> [--groups N] [--test-groups k] [--embargo <duration>] [--json]

Combinatorial purged cross-validation: rows sorted by t0 form N contiguous groups (floor(n/N)
rows each, the last takes the remainder); every k-subset of groups is a test set, in
lexicographic order; a training row is purged when [t0, t1] meets a test group's
[first t0, largest t1], and embargoed when it starts within the embargo after a test group's
largest t1. The j-th split that tests group g gives group g to path j: k/N*C(N,k) paths.

Options:
  --dataset <file>        dataset from "pc-trainer dataset"
  --groups <N>            number of groups (default: model_config.yaml cv.groups, 6)
  --test-groups <k>       test groups per split (default: cv.test_groups, 2)
  --embargo <duration>    embargo after each test group (default: cv.embargo, 60s); 0s for none
  --config <dir>          configuration directory (model_config.yaml); defaults apply without it
  --json                  print {"n_splits","n_paths","splits":[{"test_groups","train","test","path_of_group"}]}
  -h, --help              show this help

Exit status: 0 done, 1 bad input (unreadable dataset, impossible settings), 2 bad arguments.
`;

/**
 * Runs `pc-trainer cv`; returns the exit status.
 *
 * @example
 * ```ts
 * process.exitCode = await cvCommand(['--dataset', 'btc.arrow', '--groups', '6', '--test-groups', '2', '--embargo', '60s', '--json']);
 * ```
 */
export async function cvCommand(args: readonly string[], io: CommandIo = processIo): Promise<number> {
  let flags: ReturnType<typeof parseFlags>;
  let groups: number | undefined;
  let testGroups: number | undefined;
  let embargoUs: number | undefined;
  try {
    flags = parseFlags(args, ['--dataset', '--groups', '--test-groups', '--embargo', '--config'], ['--json']);
    const v = flags.values;
    if (!flags.help && v.get('--dataset') === undefined) throw new UsageError('--dataset <file.arrow> is required');
    if (v.has('--groups')) groups = integerFlag('--groups', v.get('--groups') as string, 2);
    if (v.has('--test-groups')) testGroups = integerFlag('--test-groups', v.get('--test-groups') as string, 1);
    if (v.has('--embargo')) embargoUs = durationFlag('--embargo', v.get('--embargo') as string, true);
  } catch (error) {
    io.stderr(`pc-trainer cv: ${error instanceof BaseError ? error.shortMessage : String(error)}\n\n${CV_USAGE}`);
    return 2;
  }
  if (flags.help) {
    io.stdout(CV_USAGE);
    return 0;
  }
  try {
    const configDir = flags.values.get('--config');
    const cv = (configDir === undefined ? defaultConfig() : loadConfig(configDir)).model.cv;
    const dataset = readDataset(flags.values.get('--dataset') as string);
    const plan = combinatorialPurgedCv(dataset.t0, dataset.t1, {
      groups: groups ?? cv.groups,
      testGroups: testGroups ?? cv.testGroups,
      embargoUs: embargoUs ?? parseDuration(cv.embargo),
    });
    if (flags.switches.has('--json')) {
      io.stdout(`${JSON.stringify(cpcvToJson(plan))}\n`);
      return 0;
    }
    const lines = [
      `dataset          ${dataset.path} (${dataset.rows} rows)`,
      `groups           ${plan.groups.length}: ${plan.groups.map((g) => g.rows.length).join(', ')} rows`,
      `splits           ${plan.nSplits}`,
      `paths            ${plan.nPaths}`,
      ...plan.splits.map(
        (s, j) =>
          `split ${String(j).padEnd(10)} test groups ${s.testGroups.join(',')}: ${s.test.length} test rows, ${s.train.length} training rows (${dataset.rows - s.test.length - s.train.length} purged or embargoed); paths ${[...s.pathOfGroup].map(([g, p]) => `g${g}->${p}`).join(' ')}`,
      ),
    ];
    io.stdout(`${lines.join('\n')}\n`);
    return 0;
  } catch (error) {
    io.stderr(`pc-trainer cv: ${errorLine(error)}\n`);
    return 1;
  }
}
