/**
 * The options every training command shares (`pretrain`, `train`, `refresh`, `retrain`):
 * `--dataset`, `--as-of`, `--seed`, `--backend`, `--epochs`, `--batch-size`,
 * `--learning-rate`, `--models`, `--checkpoint`, `--config`, and how they run and report.
 *
 * @module
 */
import { BaseError, defaultConfig, LiveClock, loadConfig } from '@tickerml/core';
import { QuarantineError, resolveAsOf } from '@tickerml/rl';
import {
  BACKEND_CHOICES,
  type BackendChoice,
  type TrainingRunOptions,
  trainingProgressBar,
} from '@tickerml/rl-trainer';
import { type CommandIo, errorLine, integerFlag, type ParsedFlags, parseFlags, processIo, UsageError } from './args.js';

/** Flags with a value that every training command takes. */
export const TRAINING_FLAGS = [
  '--dataset',
  '--as-of',
  '--seed',
  '--backend',
  '--epochs',
  '--batch-size',
  '--learning-rate',
  '--models',
  '--checkpoint',
  '--config',
] as const;

/** Usage lines of {@link TRAINING_FLAGS}. */
export const TRAINING_FLAGS_USAGE = `  --dataset <file>        dataset from "pc-trainer dataset" (required)
  --as-of <ISO-8601>      the quarantine's reference time (default: now); rows whose labels end
                          after as-of - quarantine_days are refused, never dropped
  --seed <n>              seed of the initial weights and batch order (default 1)
  --backend <name>        auto|node-gpu|node|wasm|cpu (default auto: the fastest present)
  --epochs <n>            default model_config.yaml training.epochs (100)
  --batch-size <n>        default training.batch_size (32)
  --learning-rate <x>     peak learning rate (default training.learning_rate, 0.001)
  --models <dir>          model registry (default model_config.yaml models_dir)
  --checkpoint <dir>      write a checkpoint every epoch and resume from it when rerun
  --config <dir>          configuration directory (model_config.yaml); defaults apply without it
  -h, --help              show this help

Prints the new version id on stdout. Exit status: 0 done, 1 bad input or refused by the
quarantine, 2 bad arguments.`;

/** Parsed common flags plus the command's own. */
export interface TrainingCommandSetup {
  readonly flags: ParsedFlags;
  readonly options: TrainingRunOptions;
}

function parseCommon(flags: ParsedFlags, io: CommandIo): TrainingRunOptions {
  const v = flags.values;
  const dataset = v.get('--dataset');
  if (dataset === undefined) throw new UsageError('--dataset <file.arrow> is required');
  const backend = v.get('--backend') ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, was "${backend}"`);
  }
  const rate = v.get('--learning-rate');
  if (rate !== undefined && !(Number(rate) > 0 && Number(rate) <= 10)) {
    throw new UsageError(`--learning-rate must be a number in (0, 10], was "${rate}"`);
  }
  const configDir = v.get('--config');
  const model = (configDir === undefined ? defaultConfig() : loadConfig(configDir)).model;
  const clock = new LiveClock();
  const epochs = v.get('--epochs');
  const batch = v.get('--batch-size');
  const modelsDir = v.get('--models');
  const checkpoint = v.get('--checkpoint');
  return {
    datasetPath: dataset,
    asOfUs: resolveAsOf(v.get('--as-of'), clock),
    seed: integerFlag('--seed', v.get('--seed') ?? '1', 0, 2 ** 31 - 1),
    backend: backend as BackendChoice,
    model,
    ...(epochs === undefined ? {} : { epochs: integerFlag('--epochs', epochs, 1) }),
    ...(batch === undefined ? {} : { batchSize: integerFlag('--batch-size', batch, 1, 65_536) }),
    ...(rate === undefined ? {} : { learningRate: Number(rate) }),
    ...(modelsDir === undefined ? {} : { modelsDir }),
    ...(checkpoint === undefined ? {} : { checkpointDir: checkpoint }),
    clock,
    log: (line) => io.stderr(`${line}\n`),
    progress: (label) =>
      trainingProgressBar(clock, { write: (text: string) => io.stderr(text), isTTY: io.isTty }, label),
  };
}

/**
 * Runs a training command: parses `args` (the common flags plus `extra`), prints usage on
 * `--help`, runs `body`, prints each version it returns on stdout, and maps errors to exit
 * statuses (2 arguments, 1 anything else, a quarantine refusal included, with its message).
 *
 * @example
 * ```ts
 * return runTrainingCommand('pretrain', USAGE, args, [], async ({ options }) => [await runPretrain(options)]);
 * ```
 */
export async function runTrainingCommand(
  name: string,
  usage: string,
  args: readonly string[],
  extra: readonly string[],
  body: (setup: TrainingCommandSetup) => Promise<readonly { readonly version: string; readonly dir: string }[]>,
  io: CommandIo = processIo,
): Promise<number> {
  let setup: TrainingCommandSetup;
  try {
    const flags = parseFlags(args, [...TRAINING_FLAGS, ...extra]);
    if (flags.help) {
      io.stdout(usage);
      return 0;
    }
    setup = { flags, options: parseCommon(flags, io) };
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`pc-trainer ${name}: ${error.shortMessage}\n\n${usage}`);
      return 2;
    }
    io.stderr(`pc-trainer ${name}: ${errorLine(error)}\n`);
    return error instanceof BaseError && error.name === 'QuarantineOptionError' ? 2 : 1;
  }
  try {
    const written = await body(setup);
    for (const w of written) {
      io.stderr(`${name}: wrote ${w.dir}\n`);
      io.stdout(`${w.version}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`pc-trainer ${name}: ${error.shortMessage}\n\n${usage}`);
      return 2;
    }
    io.stderr(`pc-trainer ${name}: ${error instanceof QuarantineError ? error.message : errorLine(error)}\n`);
    return 1;
  }
}
