/**
 * `pc-trainer pretrain`: pretrain the transformer backbone on a dataset's state sequences
 * (direction, volatility and spread heads) and write it to the model registry.
 *
 * @module
 */
import { runPretrain } from '@tickerml/rl-trainer';
import type { CommandIo } from '../args.js';
import { runTrainingCommand, TRAINING_FLAGS_USAGE } from '../training-args.js';

/** Usage text of `pc-trainer pretrain`. */
export const PRETRAIN_USAGE = `Usage: pnpm pc-trainer pretrain --dataset <file.arrow> [--as-of <ISO-8601>] [--seed n] [--backend auto] [--epochs 100] [--batch-size 32] [--learning-rate 0.001] [--models <dir>]

Pretrains the causal transformer backbone (model_config.yaml backbone.*) on sequences of the
dataset's state vectors, predicting the direction at every label horizon, the future volatility
and the future spread; the latest training.validation_fraction of the sequences drive early
stopping. Writes <models>/<version>/model.json + weights.bin.

Options:
${TRAINING_FLAGS_USAGE}
`;

/**
 * Runs `pc-trainer pretrain`; returns the exit status.
 * @example
 * ```ts
 * process.exitCode = await pretrainCommand(['--dataset', 'btc.arrow', '--as-of', '2026-01-01T00:00:00Z', '--epochs', '3']);
 * ```
 */
export async function pretrainCommand(args: readonly string[], io?: CommandIo): Promise<number> {
  return runTrainingCommand(
    'pretrain',
    PRETRAIN_USAGE,
    args,
    [],
    async ({ options }) => [await runPretrain(options)],
    io,
  );
}
