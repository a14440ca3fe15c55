/**
 * How `pc-trainer evaluate --model <version>` becomes a policy: the trainer's
 * {@link decisionTransformerPolicyFactory}, sized like the registered version and fed the
 * trajectory file that version was trained from (checked by sha256), refitted on every CPCV
 * split's training rows.
 *
 * @module
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, LiveClock, type ModelConfig } from '@tickerml/core';
import { ModelKind, readModel } from '@tickerml/rl';
import {
  decisionTransformerPolicyFactory,
  ModelRegistryError,
  readTrajectoryFile,
  selectBackend,
  type TrainingRecord,
} from '@tickerml/rl-trainer';
import type { ModelPolicyLoader } from './commands/evaluate.js';

/**
 * The {@link ModelPolicyLoader} of the Decision Transformer.
 * @throws {@link ModelRegistryError} when the version is not a Decision Transformer, or its
 *   trajectory file is missing or changed since it trained.
 * @example
 * ```ts
 * await evaluateCommand(['--dataset', 'btc.arrow', '--model', 'dt-…'], processIo, decisionTransformerLoader);
 * ```
 */
export const decisionTransformerLoader: ModelPolicyLoader = async (version, settings) => {
  const base = defaultConfig().model;
  const modelsDir = settings.modelsDir ?? base.modelsDir;
  const registered = await readModel(join(modelsDir, version));
  if (registered.info.kind !== ModelKind.DecisionTransformer) {
    throw new ModelRegistryError(
      `version ${version} is a ${registered.info.kind}; evaluate a Decision Transformer version`,
    );
  }
  const record = (registered.info as unknown as { training?: TrainingRecord }).training;
  if (record?.trajectoriesPath === undefined)
    throw new ModelRegistryError(`version ${version} does not record its trajectory file`);
  const trajectories = readTrajectoryFile(record.trajectoriesPath);
  if (trajectories.sha256 !== record.trajectoriesSha256) {
    throw new ModelRegistryError(`${record.trajectoriesPath} changed since ${version} trained on it (sha256 differs)`);
  }
  const a = registered.info.arch;
  const model: ModelConfig = {
    ...base,
    backbone: {
      ...base.backbone,
      dModel: a.dModel,
      heads: a.heads,
      layers: a.layers,
      dFf: a.dFF,
      maxTokens: a.maxTokens,
    },
    decisionTransformer: {
      ...base.decisionTransformer,
      context: a.context,
      trainableBlocks: a.trainableBlocks,
      rtgScale: registered.info.rtgScale,
      defaultTarget: registered.info.defaultTarget,
    },
  };
  await selectBackend('auto', (line) => process.stderr.write(`${line}\n`));
  const clock = new LiveClock();
  const { fit, learningCurves } = decisionTransformerPolicyFactory({
    trajectories,
    model,
    epochs: Math.max(1, record.epochsRun),
    workDir: mkdtempSync(join(tmpdir(), 'pc-trainer-evaluate-')),
    nowUs: () => clock.nowUs(),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  return { name: 'decision-transformer', fit, learningCurves };
};
