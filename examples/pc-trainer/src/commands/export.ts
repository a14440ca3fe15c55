/**
 * `pc-trainer export`: a registered Decision Transformer version → `policy.onnx` (float32) and
 * `policy.int8.onnx` (8-bit weights), each carrying the model's metadata, for the box. How the
 * graph is written and checked is in docs/learning.md, "Export".
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BaseError, defaultConfig, loadConfig } from '@tickerml/core';
import { MODEL_FILES, readModel } from '@tickerml/rl';
import { exportPolicy } from '@tickerml/rl-trainer';
import { type CommandIo, errorLine, parseFlags, processIo, UsageError } from '../args.js';

/** Usage text of `pc-trainer export`. */
export const EXPORT_USAGE = `Usage: pnpm pc-trainer export --model <version|dir> --out <dir> [--models-dir <dir>] [--config <dir>]

Writes <out>/policy.onnx (float32) and <out>/policy.int8.onnx (8-bit weights) from a registered
Decision Transformer: the inference graph in ONNX opset 17 with the state normalisation and the
return-to-go scaling inside, and the model's metadata (encoder version, features, normalisation,
K, rtg scale, default target, as-of, data range, dataset sha256, model version) in metadata_props.

Options:
  --model <version|dir>   a version in the registry, or a version directory (with model.json)
  --out <dir>             where to write the two files (created if missing)
  --models-dir <dir>      the registry (default: model_config.yaml models_dir, models/registry)
  --config <dir>          configuration directory (model_config.yaml); defaults apply without it
  -h, --help              show this help

Exit status: 0 done, 1 bad input (unknown version, unreadable or inconsistent model), 2 bad arguments.
`;

/**
 * Runs `pc-trainer export`; returns the exit status.
 *
 * @example
 * ```ts
 * process.exitCode = await exportCommand(['--model', 'dt-20260101', '--out', 'models/export']);
 * ```
 */
export async function exportCommand(args: readonly string[], io: CommandIo = processIo): Promise<number> {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(args, ['--model', '--out', '--models-dir', '--config']);
    if (!flags.help && flags.values.get('--model') === undefined)
      throw new UsageError('--model <version|dir> is required');
    if (!flags.help && flags.values.get('--out') === undefined) throw new UsageError('--out <dir> is required');
  } catch (error) {
    io.stderr(
      `pc-trainer export: ${error instanceof BaseError ? error.shortMessage : String(error)}\n\n${EXPORT_USAGE}`,
    );
    return 2;
  }
  if (flags.help) {
    io.stdout(EXPORT_USAGE);
    return 0;
  }
  try {
    const model = flags.values.get('--model') as string;
    let dir = model;
    if (!existsSync(join(model, MODEL_FILES.metadata))) {
      const configDir = flags.values.get('--config');
      const modelsDir =
        flags.values.get('--models-dir') ??
        (configDir === undefined ? defaultConfig() : loadConfig(configDir)).model.modelsDir;
      dir = join(modelsDir, model);
    }
    const registered = await readModel(dir);
    const out = await exportPolicy(registered, flags.values.get('--out') as string);
    io.stdout(
      [
        `model      ${registered.info.version} (${dir})`,
        `encoder    ${registered.info.encoder.version}, ${registered.info.arch.stateDim} inputs, K ${registered.info.arch.context}`,
        `float32    ${out.float32Path} (${out.float32Bytes} bytes)`,
        `int8       ${out.int8Path} (${out.int8Bytes} bytes, ${(out.float32Bytes / out.int8Bytes).toFixed(2)}x smaller)`,
        '',
      ].join('\n'),
    );
    return 0;
  } catch (error) {
    io.stderr(`pc-trainer export: ${errorLine(error)}\n`);
    return 1;
  }
}
