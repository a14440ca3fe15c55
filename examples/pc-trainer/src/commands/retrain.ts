/**
 * `pc-trainer retrain` (monthly): a backbone pretrained from scratch and a Decision Transformer
 * trained on it, both written to the registry.
 *
 * @module
 */
import { runRetrain } from '@tickerml/rl-trainer';
import { type CommandIo, UsageError } from '../args.js';
import { runTrainingCommand, TRAINING_FLAGS_USAGE } from '../training-args.js';

/** Usage text of `pc-trainer retrain`. */
export const RETRAIN_USAGE = `Usage: pnpm pc-trainer retrain --dataset <file.arrow> --trajectories <file.arrow> [options]

The monthly retrain (model_config.yaml training.retrain_every): pretrains a new backbone from
scratch on the dataset, then trains a new Decision Transformer on it from the trajectories.
Prints both versions, the backbone first.

Options:
  --trajectories <file>   trajectories from "pc-trainer trajectories" (required)
${TRAINING_FLAGS_USAGE}
`;

/**
 * Runs `pc-trainer retrain`; returns the exit status.
 * @example
 * ```ts
 * await retrainCommand(['--dataset', 'btc.arrow', '--trajectories', 'btc.traj.arrow', '--epochs', '3']);
 * ```
 */
export async function retrainCommand(args: readonly string[], io?: CommandIo): Promise<number> {
  return runTrainingCommand(
    'retrain',
    RETRAIN_USAGE,
    args,
    ['--trajectories'],
    async ({ flags, options }) => {
      const trajectoriesPath = flags.values.get('--trajectories');
      if (trajectoriesPath === undefined) throw new UsageError('--trajectories <file> is required');
      return runRetrain({ ...options, trajectoriesPath });
    },
    io,
  );
}
