/**
 * `pc-trainer models`: the versions in the model registry, newest first, with what each was
 * trained on.
 *
 * @module
 */
import { join } from 'node:path';
import { BaseError, defaultConfig, loadConfig } from '@tickerml/core';
import { listModelVersions, readModel } from '@tickerml/rl';
import { type CommandIo, errorLine, parseFlags, processIo, UsageError } from '../args.js';

/** Usage text of `pc-trainer models`. */
export const MODELS_USAGE = `Usage: pnpm pc-trainer models [--models <dir>] [--config <dir>] [--json]

Lists the model registry (model_config.yaml models_dir, or --models): version, kind, created,
as-of, data range, backend, dataset sha256, config hash, git commit and parent.

Options:
  --models <dir>          model registry directory
  --config <dir>          configuration directory (model_config.yaml)
  --json                  one JSON array instead of the table
  -h, --help              show this help

Exit status: 0 done (an empty registry included), 1 an unreadable version, 2 bad arguments.
`;

function iso(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString().replace('.000Z', 'Z');
}

/**
 * Runs `pc-trainer models`; returns the exit status.
 * @example
 * ```ts
 * await modelsCommand(['--models', 'models/registry', '--json']);
 * ```
 */
export async function modelsCommand(args: readonly string[], io: CommandIo = processIo): Promise<number> {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(args, ['--models', '--config'], ['--json']);
  } catch (error) {
    io.stderr(
      `pc-trainer models: ${error instanceof BaseError ? error.shortMessage : String(error)}\n\n${MODELS_USAGE}`,
    );
    return 2;
  }
  if (flags.help) {
    io.stdout(MODELS_USAGE);
    return 0;
  }
  try {
    const configDir = flags.values.get('--config');
    const dir =
      flags.values.get('--models') ??
      (configDir === undefined ? defaultConfig() : loadConfig(configDir)).model.modelsDir;
    const entries = [];
    for (const version of await listModelVersions(dir)) {
      const { info } = await readModel(join(dir, version));
      const training = (info as { training?: { parent?: string; epochsRun?: number; bestLoss?: number } }).training;
      entries.push({
        version,
        kind: info.kind,
        created: iso(info.createdUs),
        asOf: iso(info.asOfUs),
        dataRange: { from: iso(info.dataRange.fromUs), to: iso(info.dataRange.toUs) },
        backend: info.backend,
        datasetSha256: info.datasetSha256,
        configHash: info.configHash,
        gitCommit: info.gitCommit,
        parent: training?.parent ?? null,
        epochs: training?.epochsRun ?? null,
        bestLoss: training?.bestLoss ?? null,
        createdUs: info.createdUs,
      });
    }
    entries.sort((a, b) => b.createdUs - a.createdUs || b.version.localeCompare(a.version));
    if (flags.switches.has('--json')) {
      io.stdout(`${JSON.stringify(entries.map(({ createdUs: _, ...e }) => e))}\n`);
      return 0;
    }
    if (entries.length === 0) {
      io.stdout(`no versions in ${dir}\n`);
      return 0;
    }
    const lines = entries.map(
      (e) =>
        `${e.version.padEnd(44)} ${e.kind.padEnd(21)} created ${e.created} as-of ${e.asOf} data ${e.dataRange.from}..${e.dataRange.to} ${e.backend.padEnd(6)} dataset ${e.datasetSha256.slice(0, 12)} config ${e.configHash.slice(0, 12)} git ${e.gitCommit.slice(0, 10)}${e.parent === null ? '' : ` parent ${e.parent}`}`,
    );
    io.stdout(`${lines.join('\n')}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return 2;
    io.stderr(`pc-trainer models: ${errorLine(error)}\n`);
    return 1;
  }
}
