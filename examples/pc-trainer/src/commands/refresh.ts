/**
 * `pc-trainer refresh` (weekly): a new Decision Transformer version from the current one, only
 * its last blocks and heads trained on fresh (quarantined) trajectories.
 *
 * @module
 */
import { runRefresh } from '@tickerml/rl-trainer';
import { type CommandIo, UsageError } from '../args.js';
import { runTrainingCommand, TRAINING_FLAGS_USAGE } from '../training-args.js';

/** Usage text of `pc-trainer refresh`. */
export const REFRESH_USAGE = `Usage: pnpm pc-trainer refresh --dataset <file.arrow> --trajectories <file.arrow> [--from <version>] [options]

The weekly refresh (model_config.yaml training.refresh_every): starts from the newest Decision
Transformer version in the registry (or --from) and trains only its last
decision_transformer.trainable_blocks blocks, the final LayerNorm and the heads; embeddings,
lower blocks and the normalisation stay the parent's.

Options:
  --trajectories <file>   trajectories from "pc-trainer trajectories" (required)
  --from <version>        the version to refresh (default: the newest Decision Transformer)
${TRAINING_FLAGS_USAGE}
`;

/**
 * Runs `pc-trainer refresh`; returns the exit status.
 * @example
 * ```ts
 * await refreshCommand(['--dataset', 'btc.arrow', '--trajectories', 'btc.traj.arrow']);
 * ```
 */
export async function refreshCommand(args: readonly string[], io?: CommandIo): Promise<number> {
  return runTrainingCommand(
    'refresh',
    REFRESH_USAGE,
    args,
    ['--trajectories', '--from'],
    async ({ flags, options }) => {
      const trajectoriesPath = flags.values.get('--trajectories');
      if (trajectoriesPath === undefined) throw new UsageError('--trajectories <file> is required');
      return [await runRefresh({ ...options, trajectoriesPath }, flags.values.get('--from'))];
    },
    io,
  );
}
