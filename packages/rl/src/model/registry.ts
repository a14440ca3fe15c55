/**
 * The model registry on disk: `<models_dir>/<version>/model.json` (architecture, weight manifest,
 * normalisation, return-to-go scale, provenance) and `weights.bin` (every weight, little-endian
 * float32, at the manifest's byte offsets). docs/learning.md "The model (contract)" and
 * "Model files (contract)" describe the fields.
 *
 * @module
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BaseError } from '@tickerml/core';
import {
  backboneWeightSpecs,
  checkWeights,
  decisionTransformerWeightSpecs,
  type ModelArchitecture,
  type ModelWeights,
  shapeSize,
  validateArchitecture,
  type WeightSpec,
} from './architecture.js';
import type { StateNormalisation } from './reference.js';

/** The `format` tag of a model.json this code reads and writes. */
export const MODEL_FORMAT = 'tickerml.model/1';
/** The file names inside a version directory. */
export const MODEL_FILES = { metadata: 'model.json', weights: 'weights.bin' } as const;

/** What a registry entry holds: the pretrained backbone alone or the full Decision Transformer. */
export const ModelKind = { Backbone: 'backbone', DecisionTransformer: 'decision_transformer' } as const;
/** One of {@link ModelKind}'s values. */
export type ModelKind = (typeof ModelKind)[keyof typeof ModelKind];

/** One encoder feature as the model saw it (the encoder's `features` entries). */
export interface ModelFeature {
  /** Feature name, e.g. `spread_bps`. */
  readonly name: string;
  /** Unit, e.g. `bps`. */
  readonly unit: string;
  /** Window, e.g. `10s`, or an empty string for a point-in-time feature. */
  readonly window: string;
}

/** Everything about a model version except its weights: model.json without the manifest. */
export interface ModelInfo {
  /** Registry version name (the directory name): letters, digits, `.`, `_`, `-`. */
  readonly version: string;
  /** Backbone alone or the Decision Transformer. */
  readonly kind: ModelKind;
  /** The model's dimensions. */
  readonly arch: ModelArchitecture;
  /** Fitted on training rows only. */
  readonly normalisation: StateNormalisation;
  /** Returns-to-go are divided by this in the model (fraction of starting equity). */
  readonly rtgScale: number;
  /** The target return-to-go a policy starts from unless configured otherwise (fraction of starting equity). */
  readonly defaultTarget: number;
  /** The encoder version and features the model was trained on. */
  readonly encoder: { readonly version: string; readonly features: readonly ModelFeature[] };
  /** The as-of time of the training run (the quarantine's reference), µs since the epoch. */
  readonly asOfUs: number;
  /** The time range of the training data, µs since the epoch. */
  readonly dataRange: { readonly fromUs: number; readonly toUs: number };
  /** sha256 (hex) of the dataset or trajectory file the model was trained on. */
  readonly datasetSha256: string;
  /** sha256 (hex) of the training configuration. */
  readonly configHash: string;
  /** The git commit the trainer ran from (or `unknown`). */
  readonly gitCommit: string;
  /** The TensorFlow.js backend that trained it (`tensorflow`, `wasm`, `cpu`, …) or `reference`. */
  readonly backend: string;
  /** When the version was written, µs since the epoch. */
  readonly createdUs: number;
}

/** A model version in memory. */
export interface RegisteredModel {
  /** Its metadata. */
  readonly info: ModelInfo;
  /** Its weights, by contract name. */
  readonly weights: ModelWeights;
}

/** One manifest entry of model.json: where a weight lives in weights.bin. */
export interface WeightManifestEntry extends WeightSpec {
  /** Byte offset into weights.bin (a multiple of 4). */
  readonly offset: number;
}

/**
 * A model file that cannot be used: unreadable, not the registry format, inconsistent with its
 * architecture, or with weights that do not fit. The message names the file and what was wrong.
 *
 * @example
 * ```ts
 * await readModel('models/registry/v1'); // throws ModelFileError: "models/registry/v1/model.json: rtgScale must be a positive number, was 0"
 * ```
 */
export class ModelFileError extends BaseError {
  override name = 'ModelFileError' as const;
  /** The file that was wrong. */
  readonly path: string;
  constructor(path: string, problem: string, cause?: unknown) {
    super(`${path}: ${problem}`, cause === undefined ? {} : { cause });
    this.path = path;
  }
}

const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The weights a model of `kind` must hold.
 *
 * @example
 * ```ts
 * weightSpecsFor(ModelKind.Backbone, arch).length; // 3 + 16 per block + 2
 * ```
 */
export function weightSpecsFor(kind: ModelKind, arch: ModelArchitecture): WeightSpec[] {
  return kind === ModelKind.Backbone ? backboneWeightSpecs(arch) : decisionTransformerWeightSpecs(arch);
}

function checkInfo(info: ModelInfo, where: string): void {
  const fail = (problem: string): never => {
    throw new ModelFileError(where, problem);
  };
  if (!VERSION_PATTERN.test(info.version))
    fail(`version must be letters, digits, '.', '_' or '-', was '${info.version}'`);
  if (info.kind !== ModelKind.Backbone && info.kind !== ModelKind.DecisionTransformer) {
    fail(`kind must be 'backbone' or 'decision_transformer', was '${String(info.kind)}'`);
  }
  try {
    validateArchitecture(info.arch);
  } catch (error) {
    throw new ModelFileError(where, 'arch is inconsistent', error);
  }
  const s = info.arch.stateDim;
  if (info.normalisation.mean.length !== s || info.normalisation.std.length !== s) {
    fail(
      `normalisation needs ${s} means and stds (stateDim), was ${info.normalisation.mean.length} and ${info.normalisation.std.length}`,
    );
  }
  for (let i = 0; i < s; i++) {
    const std = info.normalisation.std[i] as number;
    if (!Number.isFinite(info.normalisation.mean[i]) || !(std > 0) || !Number.isFinite(std)) {
      fail(
        `normalisation entry ${i} must have a finite mean and a positive finite std, was ${info.normalisation.mean[i]}/${std}`,
      );
    }
  }
  if (!(info.rtgScale > 0) || !Number.isFinite(info.rtgScale))
    fail(`rtgScale must be a positive number, was ${info.rtgScale}`);
  if (!Number.isFinite(info.defaultTarget)) fail(`defaultTarget must be a finite number, was ${info.defaultTarget}`);
  if (typeof info.encoder?.version !== 'string' || info.encoder.version === '')
    fail('encoder.version must be a non-empty string');
  if (!Array.isArray(info.encoder.features)) fail('encoder.features must be an array of {name, unit, window}');
  for (const key of ['asOfUs', 'createdUs'] as const) {
    if (!Number.isSafeInteger(info[key])) fail(`${key} must be an integer count of µs, was ${String(info[key])}`);
  }
  if (!Number.isSafeInteger(info.dataRange?.fromUs) || !Number.isSafeInteger(info.dataRange?.toUs)) {
    fail('dataRange must be {fromUs, toUs} in integer µs');
  }
  for (const key of ['datasetSha256', 'configHash', 'gitCommit', 'backend'] as const) {
    if (typeof info[key] !== 'string') fail(`${key} must be a string`);
  }
}

/**
 * Writes a model version to `<modelsDir>/<info.version>/` (model.json and weights.bin), through a
 * temporary directory renamed into place, so a reader (the box's hot reload) never sees half a
 * version. Weights are written in contract order, then any extra weights (pretraining heads).
 *
 * @returns the version directory.
 * @throws {@link ModelFileError} when the metadata or weights are inconsistent or the version exists.
 * @example
 * ```ts
 * await writeModel('models/registry', { info, weights });
 * ```
 */
export async function writeModel(modelsDir: string, model: RegisteredModel): Promise<string> {
  const dir = join(modelsDir, model.info.version);
  checkInfo(model.info, join(dir, MODEL_FILES.metadata));
  const specs = weightSpecsFor(model.info.kind, model.info.arch);
  try {
    checkWeights(model.weights, specs);
  } catch (error) {
    throw new ModelFileError(join(dir, MODEL_FILES.weights), 'weights do not fit the architecture', error);
  }
  const known = new Set(specs.map((s) => s.name));
  const ordered: WeightSpec[] = [...specs];
  for (const [name, data] of model.weights) if (!known.has(name)) ordered.push({ name, shape: [data.length] });
  const manifest: WeightManifestEntry[] = [];
  let offset = 0;
  for (const spec of ordered) {
    manifest.push({ name: spec.name, shape: [...spec.shape], offset });
    offset += 4 * shapeSize(spec.shape);
  }
  const bin = Buffer.alloc(offset);
  for (const entry of manifest) {
    const data = model.weights.get(entry.name) as Float32Array;
    for (let i = 0; i < data.length; i++) bin.writeFloatLE(data[i] as number, entry.offset + 4 * i);
  }
  const { normalisation, ...rest } = model.info;
  const json = {
    format: MODEL_FORMAT,
    ...rest,
    normalisation: { mean: Array.from(normalisation.mean), std: Array.from(normalisation.std) },
    weights: manifest,
  };
  const exists = await stat(dir).then(
    () => true,
    () => false,
  );
  if (exists) throw new ModelFileError(dir, `version ${model.info.version} already exists; versions are immutable`);
  await mkdir(modelsDir, { recursive: true });
  const tmp = join(modelsDir, `.${model.info.version}.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  await writeFile(join(tmp, MODEL_FILES.weights), bin);
  await writeFile(join(tmp, MODEL_FILES.metadata), `${JSON.stringify(json, null, 2)}\n`);
  await rename(tmp, dir);
  return dir;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses model.json text and the weights.bin bytes of one version into memory, checking the format
 * tag, the metadata, the manifest against the architecture and the file size.
 *
 * @param where - names the version in errors (its directory).
 * @throws {@link ModelFileError} naming the file and the first problem found.
 * @example
 * ```ts
 * const model = parseModel(jsonText, weightsBytes, 'models/registry/v1');
 * ```
 */
export function parseModel(jsonText: string, bin: Uint8Array, where: string): RegisteredModel {
  const jsonPath = join(where, MODEL_FILES.metadata);
  const binPath = join(where, MODEL_FILES.weights);
  let raw: unknown;
  try {
    raw = JSON.parse(jsonText);
  } catch (error) {
    throw new ModelFileError(jsonPath, 'is not JSON', error);
  }
  if (!isRecord(raw)) throw new ModelFileError(jsonPath, 'must hold a JSON object');
  if (raw['format'] !== MODEL_FORMAT) {
    throw new ModelFileError(jsonPath, `format must be '${MODEL_FORMAT}', was '${String(raw['format'])}'`);
  }
  const norm = raw['normalisation'];
  if (!isRecord(norm) || !Array.isArray(norm['mean']) || !Array.isArray(norm['std'])) {
    throw new ModelFileError(jsonPath, 'normalisation must be {mean: number[], std: number[]}');
  }
  if (!isRecord(raw['arch'])) throw new ModelFileError(jsonPath, 'arch must be an object');
  if (!isRecord(raw['encoder'])) throw new ModelFileError(jsonPath, 'encoder must be {version, features}');
  const { format: _format, weights: manifestRaw, normalisation: _norm, ...rest } = raw;
  const info = {
    ...rest,
    normalisation: {
      mean: Float32Array.from(norm['mean'] as number[]),
      std: Float32Array.from(norm['std'] as number[]),
    },
  } as unknown as ModelInfo;
  checkInfo(info, jsonPath);
  if (!Array.isArray(manifestRaw)) throw new ModelFileError(jsonPath, 'weights must be a manifest array');
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const weights = new Map<string, Float32Array>();
  for (const entry of manifestRaw as unknown[]) {
    if (
      !isRecord(entry) ||
      typeof entry['name'] !== 'string' ||
      !Array.isArray(entry['shape']) ||
      !(entry['shape'] as unknown[]).every((d) => Number.isSafeInteger(d) && (d as number) >= 0) ||
      !Number.isSafeInteger(entry['offset'])
    ) {
      throw new ModelFileError(jsonPath, `weight manifest entry ${JSON.stringify(entry)} is not {name, shape, offset}`);
    }
    const name = entry['name'];
    const offset = entry['offset'] as number;
    const count = shapeSize(entry['shape'] as number[]);
    if (offset < 0 || offset % 4 !== 0 || offset + 4 * count > bin.byteLength) {
      throw new ModelFileError(
        binPath,
        `weight ${name} at byte ${offset} (${count} float32) does not fit in ${bin.byteLength} bytes`,
      );
    }
    if (weights.has(name)) throw new ModelFileError(jsonPath, `weight ${name} is listed twice`);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + 4 * i, true);
    weights.set(name, data);
  }
  const specs = weightSpecsFor(info.kind, info.arch);
  for (const spec of specs) {
    const entry = (manifestRaw as Array<{ name: string; shape: number[] }>).find((e) => e.name === spec.name);
    if (entry !== undefined && entry.shape.join(',') !== spec.shape.join(',')) {
      throw new ModelFileError(
        jsonPath,
        `weight ${spec.name} has shape [${entry.shape.join(', ')}], the architecture needs [${spec.shape.join(', ')}]`,
      );
    }
  }
  try {
    checkWeights(weights, specs);
  } catch (error) {
    throw new ModelFileError(binPath, 'weights do not fit the architecture', error);
  }
  return { info, weights };
}

/**
 * Reads the model version in directory `dir` (model.json + weights.bin).
 *
 * @throws {@link ModelFileError} when a file is missing or wrong.
 * @example
 * ```ts
 * const { info, weights } = await readModel('models/registry/dt-20260101');
 * ```
 */
export async function readModel(dir: string): Promise<RegisteredModel> {
  const jsonPath = join(dir, MODEL_FILES.metadata);
  const binPath = join(dir, MODEL_FILES.weights);
  const text = await readFile(jsonPath, 'utf8').catch((error: unknown) => {
    throw new ModelFileError(jsonPath, 'cannot be read', error);
  });
  const bin = await readFile(binPath).catch((error: unknown) => {
    throw new ModelFileError(binPath, 'cannot be read', error);
  });
  return parseModel(text, bin, dir);
}

/**
 * The versions in a registry directory (subdirectories holding a model.json), sorted by name.
 *
 * @example
 * ```ts
 * await listModelVersions('models/registry'); // ['dt-20260101', 'dt-20260108']
 * ```
 */
export async function listModelVersions(modelsDir: string): Promise<string[]> {
  const entries = await readdir(modelsDir, { withFileTypes: true }).catch(() => []);
  const versions: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const has = await stat(join(modelsDir, entry.name, MODEL_FILES.metadata)).then(
      () => true,
      () => false,
    );
    if (has) versions.push(entry.name);
  }
  return versions.sort();
}
