#!/usr/bin/env node
/**
 * `pnpm pc-trainer <command>`: the workstation side of TickerML. Builds datasets from what the box
 * recorded, cross-validates with purge and embargo, generates offline trajectories, trains the
 * Decision Transformer and exports it to ONNX for the box. A thin app over `@tickerml/rl` and
 * `@tickerml/rl-trainer`.
 *
 * Exit codes: 0 done; 1 bad input or refused (a quarantine refusal included); 2 bad arguments.
 *
 * @module
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One command of the app: takes its arguments (after the command name), returns the exit status. */
export type Command = (args: readonly string[]) => Promise<number>;

/** The commands, each in `commands/<name>.ts`, loaded only when asked for. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  dataset: {
    summary: 'recordings -> Arrow dataset (state vectors and pretraining labels)',
    load: async () => (await import('./commands/dataset.js')).datasetCommand,
  },
  cv: {
    summary: 'combinatorial purged cross-validation splits and paths of a dataset',
    load: async () => (await import('./commands/cv.js')).cvCommand,
  },
  evaluate: {
    summary: 'CPCV evaluation of a model beside flat, buy-and-hold and the baselines (JSON + HTML)',
    load: async () => {
      const { evaluateCommand } = await import('./commands/evaluate.js');
      // --model <version>: the Decision Transformer, refitted per CPCV split by the trainer.
      const { decisionTransformerLoader } = await import('./evaluate-loader.js');
      const { processIo } = await import('./args.js');
      return (args) => evaluateCommand(args, processIo, decisionTransformerLoader);
    },
  },
  trajectories: {
    summary: 'baselines and epsilon variants through the Engine -> offline-RL trajectory file',
    load: async () => (await import('./commands/trajectories.js')).trajectoriesCommand,
  },
  pretrain: {
    summary: 'pretrain the transformer backbone on a dataset -> a new registry version',
    load: async () => (await import('./commands/pretrain.js')).pretrainCommand,
  },
  train: {
    summary: 'train the Decision Transformer on trajectories over a backbone version',
    load: async () => (await import('./commands/train.js')).trainCommand,
  },
  refresh: {
    summary: 'weekly: retrain the last blocks and heads of the current Decision Transformer',
    load: async () => (await import('./commands/refresh.js')).refreshCommand,
  },
  retrain: {
    summary: 'monthly: backbone and Decision Transformer from scratch',
    load: async () => (await import('./commands/retrain.js')).retrainCommand,
  },
  models: {
    summary: 'list the model registry (versions, data, backend, provenance)',
    load: async () => (await import('./commands/models.js')).modelsCommand,
  },
  export: {
    summary: 'a registered model version -> policy.onnx (float32) and policy.int8.onnx for the box',
    load: async () => (await import('./commands/export.js')).exportCommand,
  },
};

/** Usage of `pc-trainer`. */
export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`);
  return `Usage: pnpm pc-trainer <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nDurations are written 250ms, 5s, 1m, 2h, 30d. Run "pc-trainer <command> --help" for a command's options.\n`;
}

/** Runs `pc-trainer` with `argv` (without `node` and the script) and returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`pc-trainer: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return (await command.load())(rest);
}

const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      console.error(`pc-trainer: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
