/**
 * `pc-trainer train`: the Decision Transformer on a pretrained backbone version, trained on
 * offline trajectories; only the backbone's last blocks and the Decision Transformer's own
 * weights train.
 *
 * @module
 */
import { runTrain } from '@tickerml/rl-trainer';
import { type CommandIo, UsageError } from '../args.js';
import { runTrainingCommand, TRAINING_FLAGS_USAGE } from '../training-args.js';

/** Usage text of `pc-trainer train`. */
export const TRAIN_USAGE = `Usage: pnpm pc-trainer train --dataset <file.arrow> --trajectories <file.arrow> --backbone <version> [options]

Trains the Decision Transformer (tokens return-to-go, state, action over
decision_transformer.context steps) on the trajectories built from the dataset, starting from
the backbone version; all backbone blocks but the last decision_transformer.trainable_blocks
stay frozen. Both files pass the quarantine first.

Options:
  --trajectories <file>   trajectories from "pc-trainer trajectories" (required)
  --backbone <version>    a backbone version in the registry ("pc-trainer models")  (required)
${TRAINING_FLAGS_USAGE}
`;

/**
 * Runs `pc-trainer train`; returns the exit status.
 * @example
 * ```ts
 * await trainCommand(['--dataset', 'btc.arrow', '--trajectories', 'btc.traj.arrow', '--backbone', 'backbone-…']);
 * ```
 */
export async function trainCommand(args: readonly string[], io?: CommandIo): Promise<number> {
  return runTrainingCommand(
    'train',
    TRAIN_USAGE,
    args,
    ['--trajectories', '--backbone'],
    async ({ flags, options }) => {
      const trajectoriesPath = flags.values.get('--trajectories');
      const backbone = flags.values.get('--backbone');
      if (trajectoriesPath === undefined) throw new UsageError('--trajectories <file> is required');
      if (backbone === undefined) throw new UsageError('--backbone <version> is required');
      return [await runTrain({ ...options, trajectoriesPath }, backbone)];
    },
    io,
  );
}
