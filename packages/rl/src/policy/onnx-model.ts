/**
 * A policy.onnx loaded into onnxruntime-node for the box: one thread, batch 1, checked against the
 * encoder it will be fed, and run synchronously so a strategy decides inside its callback.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { BaseError } from '@tickerml/core';
import { parseOnnxMetadata } from '../model/onnx-metadata.js';
import type { ModelFeature } from '../model/registry.js';

/** The metadata a policy file must carry (written by `pc-trainer export`). */
export interface PolicyModelInfo {
  /** Registry version the file was exported from. */
  readonly version: string;
  /** Encoder version the model was trained on. */
  readonly encoderVersion: string;
  /** Context length K, steps. */
  readonly context: number;
  /** Encoder vector length (2F). */
  readonly stateDim: number;
  /** Risk buckets of the risk head. */
  readonly riskBuckets: number;
  /** Return-to-go scale (fraction of starting equity). */
  readonly rtgScale: number;
  /** Default target return-to-go (fraction of starting equity). */
  readonly defaultTarget: number;
  /** As-of time of the training run, µs. */
  readonly asOfUs: number;
  /** Training data range, µs. */
  readonly dataRange: { readonly fromUs: number; readonly toUs: number };
  /** sha256 of the training data file. */
  readonly datasetSha256: string;
  /** The encoder features, names and units. */
  readonly features: readonly ModelFeature[];
  /** `none` or `int8-dynamic`. */
  readonly quantisation: string;
}

/**
 * A policy file that cannot be used: unreadable, not ONNX, missing metadata, wrong inputs or
 * outputs, or failing its trial run. The message names the file.
 *
 * @example
 * ```ts
 * await OnnxPolicyModel.load('bad.onnx', { encoderVersion: '1' }); // throws PolicyModelError: "bad.onnx: metadata tickerml.context is missing"
 * ```
 */
export class PolicyModelError extends BaseError {
  override name = 'PolicyModelError' as const;
  /** The file. */
  readonly path: string;
  constructor(path: string, problem: string, cause?: unknown) {
    super(`${path}: ${problem}`, cause === undefined ? {} : { cause });
    this.path = path;
  }
}

/**
 * A policy file trained on another encoder version than the one the box runs: its inputs would
 * mean something else, so it is refused.
 *
 * @example
 * ```ts
 * await OnnxPolicyModel.load('policy.onnx', { encoderVersion: '2' }); // throws EncoderVersionMismatchError: "policy.onnx: model encoder version 1, runtime encoder version 2"
 * ```
 */
export class EncoderVersionMismatchError extends BaseError {
  override name = 'EncoderVersionMismatchError' as const;
  /** The model's encoder version. */
  readonly modelVersion: string;
  /** The runtime's encoder version. */
  readonly runtimeVersion: string;
  constructor(path: string, modelVersion: string, runtimeVersion: string) {
    super(
      `${path}: model encoder version ${modelVersion}, runtime encoder version ${runtimeVersion}; export a model trained on encoder ${runtimeVersion}`,
    );
    this.modelVersion = modelVersion;
    this.runtimeVersion = runtimeVersion;
  }
}

/** The outputs of one inference (batch 1). */
export interface PolicyInference {
  /** Probabilities of sell, hold, buy. */
  readonly actionProbs: Float32Array;
  /** Size in [0, 1]. */
  readonly size: number;
  /** Risk-bucket probabilities. */
  readonly riskProbs: Float32Array;
}

/** Options of {@link OnnxPolicyModel.load}. */
export interface LoadPolicyOptions {
  /** The encoder version the caller will feed (`String(ENCODER_VERSION)`); a different model version is refused. */
  readonly encoderVersion: string;
  /** When given, the model's state length must equal it (the encoder's `dimension`). */
  readonly stateDim?: number;
}

// The native session of onnxruntime-node. Its public `InferenceSession.run` wraps this same
// synchronous native call in a `setImmediate` promise, which would make a strategy's decision
// asynchronous (and a replay depend on the event loop); the box calls the native run directly.
// onnxruntime-node is pinned (1.31.1) and a test runs this path.
interface NativeTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
interface NativeSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): Promise<void>;
  readonly inputMetadata: ReadonlyArray<{ readonly name: string }>;
  readonly outputMetadata: ReadonlyArray<{ readonly name: string }>;
  run(feeds: Record<string, unknown>, fetches: Record<string, null>, options: object): Record<string, NativeTensor>;
  dispose(): void;
}
interface NativeModule {
  readonly binding: { readonly InferenceSession: new () => NativeSession };
  readonly initOrt: () => void;
}
interface TensorConstructor {
  new (type: 'float32', data: Float32Array, dims: readonly number[]): unknown;
}

const require = createRequire(import.meta.url);
let native: { module: NativeModule; Tensor: TensorConstructor } | undefined;
function loadNative(): { module: NativeModule; Tensor: TensorConstructor } {
  if (native === undefined) {
    const module = require('onnxruntime-node/dist/binding.js') as NativeModule;
    const { Tensor } = require('onnxruntime-node') as { Tensor: TensorConstructor };
    module.initOrt();
    native = { module, Tensor };
  }
  return native;
}

const INPUTS = ['states', 'actions', 'returns_to_go', 'mask'] as const;
const OUTPUTS = ['action_probs', 'size', 'risk_probs'] as const;

function required(meta: Record<string, string>, key: string, path: string): string {
  const value = meta[key];
  if (value === undefined)
    throw new PolicyModelError(path, `metadata ${key} is missing; export it with pc-trainer export`);
  return value;
}

function parseJson<T>(text: string, key: string, path: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new PolicyModelError(path, `metadata ${key} is not JSON`, error);
  }
}

function positiveInt(text: string, key: string, path: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new PolicyModelError(path, `metadata ${key} must be a positive integer, was '${text}'`);
  return n;
}

/**
 * The policy's metadata from an ONNX file's `metadata_props`.
 *
 * @throws {@link PolicyModelError} when a key is missing or malformed.
 * @example
 * ```ts
 * policyModelInfo(parseOnnxMetadata(bytes), 'policy.onnx').version;
 * ```
 */
export function policyModelInfo(meta: Record<string, string>, path: string): PolicyModelInfo {
  const num = (key: string): number => {
    const n = Number(required(meta, key, path));
    if (!Number.isFinite(n)) throw new PolicyModelError(path, `metadata ${key} must be a number, was '${meta[key]}'`);
    return n;
  };
  const rtgScale = num('tickerml.rtg_scale');
  if (!(rtgScale > 0)) throw new PolicyModelError(path, `metadata tickerml.rtg_scale must be > 0, was ${rtgScale}`);
  return {
    version: required(meta, 'tickerml.model_version', path),
    encoderVersion: required(meta, 'tickerml.encoder_version', path),
    context: positiveInt(required(meta, 'tickerml.context', path), 'tickerml.context', path),
    stateDim: positiveInt(required(meta, 'tickerml.state_dim', path), 'tickerml.state_dim', path),
    riskBuckets: positiveInt(required(meta, 'tickerml.risk_buckets', path), 'tickerml.risk_buckets', path),
    rtgScale,
    defaultTarget: num('tickerml.default_target'),
    asOfUs: num('tickerml.as_of_us'),
    dataRange: parseJson(required(meta, 'tickerml.data_range', path), 'tickerml.data_range', path),
    datasetSha256: required(meta, 'tickerml.dataset_sha256', path),
    features: parseJson(required(meta, 'tickerml.features', path), 'tickerml.features', path),
    quantisation: meta['tickerml.quantisation'] ?? 'none',
  };
}

/**
 * A policy.onnx ready to decide: checked metadata, an onnxruntime-node session with one intra-op
 * and one inter-op thread, and preallocated batch-1 inputs.
 *
 * @example
 * ```ts
 * const model = await OnnxPolicyModel.load('models/demo/policy.onnx', { encoderVersion: String(ENCODER_VERSION) });
 * const out = model.infer(states, actions, returnsToGo, mask);
 * ```
 */
export class OnnxPolicyModel {
  private disposed = false;

  private constructor(
    /** The file it was loaded from. */
    readonly path: string,
    /** Its metadata. */
    readonly info: PolicyModelInfo,
    private readonly session: NativeSession,
    private readonly Tensor: TensorConstructor,
  ) {}

  /**
   * Reads, checks and opens a policy file, then runs it once on an empty context.
   *
   * @throws {@link EncoderVersionMismatchError} when the model's encoder version is not `options.encoderVersion`.
   * @throws {@link PolicyModelError} when the file is unreadable, lacks metadata, has other inputs
   *   or outputs, a different state length, or fails or gives non-finite outputs on its trial run.
   */
  static async load(path: string, options: LoadPolicyOptions): Promise<OnnxPolicyModel> {
    const bytes = await readFile(path).catch((error: unknown) => {
      throw new PolicyModelError(path, 'cannot be read', error);
    });
    let meta: Record<string, string>;
    try {
      meta = parseOnnxMetadata(bytes);
    } catch (error) {
      throw new PolicyModelError(path, 'is not an ONNX model', error);
    }
    const info = policyModelInfo(meta, path);
    if (info.encoderVersion !== options.encoderVersion) {
      throw new EncoderVersionMismatchError(path, info.encoderVersion, options.encoderVersion);
    }
    if (options.stateDim !== undefined && options.stateDim !== info.stateDim) {
      throw new PolicyModelError(
        path,
        `model takes ${info.stateDim} state entries, the encoder gives ${options.stateDim}`,
      );
    }
    const { module, Tensor } = loadNative();
    const session = new module.binding.InferenceSession();
    try {
      await session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (error) {
      throw new PolicyModelError(path, 'onnxruntime refused the model', error);
    }
    const inputs = session.inputMetadata.map((m) => m.name).join(',');
    const outputs = session.outputMetadata.map((m) => m.name).join(',');
    if (inputs !== INPUTS.join(',') || outputs !== OUTPUTS.join(',')) {
      session.dispose();
      throw new PolicyModelError(
        path,
        `expected inputs ${INPUTS.join(', ')} and outputs ${OUTPUTS.join(', ')}, was ${inputs} and ${outputs}`,
      );
    }
    const model = new OnnxPolicyModel(path, info, session, Tensor);
    const k = info.context;
    try {
      const trial = model.infer(
        new Float32Array(k * info.stateDim),
        new Float32Array(k * 3),
        new Float32Array(k),
        Float32Array.from({ length: k }, (_, i) => (i === k - 1 ? 1 : 0)),
      );
      const values = [...trial.actionProbs, trial.size, ...trial.riskProbs];
      if (trial.riskProbs.length !== info.riskBuckets || !values.every(Number.isFinite)) {
        throw new Error(`trial outputs ${values.join(', ')}`);
      }
    } catch (error) {
      model.dispose();
      throw new PolicyModelError(path, 'failed its trial run', error);
    }
    return model;
  }

  /**
   * One decision, batch 1, synchronously. Arrays are the context's, oldest step first:
   * `states` `K × stateDim` raw encoder vectors, `actions` `K × 3` one-hot (zeros for the current
   * step), `returnsToGo` `K` unscaled, `mask` `K` (1 real, 0 left padding).
   *
   * @throws {@link PolicyModelError} when the model was disposed or onnxruntime fails.
   */
  infer(states: Float32Array, actions: Float32Array, returnsToGo: Float32Array, mask: Float32Array): PolicyInference {
    if (this.disposed) throw new PolicyModelError(this.path, 'was disposed (replaced by a newer model)');
    const k = this.info.context;
    const T = this.Tensor;
    let out: Record<string, NativeTensor>;
    try {
      out = this.session.run(
        {
          states: new T('float32', states, [1, k, this.info.stateDim]),
          actions: new T('float32', actions, [1, k, 3]),
          returns_to_go: new T('float32', returnsToGo, [1, k, 1]),
          mask: new T('float32', mask, [1, k]),
        },
        { action_probs: null, size: null, risk_probs: null },
        {},
      );
    } catch (error) {
      throw new PolicyModelError(this.path, 'inference failed', error);
    }
    const actionProbs = out['action_probs'];
    const size = out['size'];
    const riskProbs = out['risk_probs'];
    if (actionProbs === undefined || size === undefined || riskProbs === undefined) {
      throw new PolicyModelError(this.path, `inference returned ${Object.keys(out).join(', ')}`);
    }
    return {
      actionProbs: actionProbs.data as Float32Array,
      size: (size.data as Float32Array)[0] as number,
      riskProbs: riskProbs.data as Float32Array,
    };
  }

  /** Frees the native session; later {@link OnnxPolicyModel.infer} calls throw. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.session.dispose();
  }
}
