/**
 * Named model weights: created from a seed, read and written as the registry's flat
 * little-endian float32 `weights.bin` with a manifest `[{name, shape, offset}]`.
 *
 * @module
 */
import type { SeededRandom } from '@tickerml/core';
import { ModelRegistryError } from './errors.js';
import { tf } from './tf.js';

/** How a weight starts: `normal` N(0, std²), `zeros`, `ones`. */
export type ParamInit =
  | { readonly kind: 'normal'; readonly std: number }
  | { readonly kind: 'zeros' }
  | { readonly kind: 'ones' };

/** One weight's declaration. */
export interface ParamSpec {
  /** Contract name, e.g. `backbone.blocks.0.attn.q.w`. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: ParamInit;
}

/** One entry of `model.json`'s weight manifest. `offset` is in bytes into `weights.bin`. */
export interface WeightManifestEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The weights of a model, in declaration order (which is also their order in `weights.bin`).
 * Owns its `tf.Variable`s: call {@link ParameterSet.dispose} when done.
 *
 * @example
 * ```ts
 * const params = ParameterSet.create([{ name: 'w', shape: [2, 3], init: { kind: 'normal', std: 0.02 } }], new SeededRandom(1));
 * const { manifest, bytes } = params.serialize();
 * params.dispose();
 * ```
 */
export class ParameterSet {
  private readonly vars = new Map<string, tf.Variable>();
  private static created = 0;

  private constructor(entries: readonly { name: string; value: tf.Tensor }[]) {
    // tfjs variable names are global and unique: suffix each with a per-process counter.
    ParameterSet.created += 1;
    for (const { name, value } of entries)
      this.vars.set(name, tf.variable(value, true, `${name}#${ParameterSet.created}`));
  }

  /** New weights per `specs`, drawn from `rng` in declaration order (same seed, same weights). */
  static create(specs: readonly ParamSpec[], rng: SeededRandom): ParameterSet {
    const entries = specs.map((spec) => {
      const data = new Float32Array(size(spec.shape));
      if (spec.init.kind === 'ones') data.fill(1);
      else if (spec.init.kind === 'normal')
        for (let i = 0; i < data.length; i++) data[i] = rng.normal(0, spec.init.std);
      return { name: spec.name, value: tf.tensor(data, [...spec.shape]) };
    });
    const set = new ParameterSet(entries);
    for (const e of entries) e.value.dispose();
    return set;
  }

  /**
   * Weights from named arrays. Every spec must be present with its shape; `specs` entries
   * missing from `values` are created from `rng` when given (a new head on a loaded backbone).
   * @throws {@link ModelRegistryError} on a missing weight (without `rng`) or a shape mismatch.
   */
  static fromArrays(
    specs: readonly ParamSpec[],
    values: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
    rng?: SeededRandom,
  ): ParameterSet {
    const fresh = rng === undefined ? undefined : ParameterSet.create(specs, rng);
    const entries = specs.map((spec) => {
      const found = values.get(spec.name);
      if (found === undefined) {
        const created = fresh?.vars.get(spec.name);
        if (created === undefined) throw new ModelRegistryError(`weight "${spec.name}" is missing`);
        return { name: spec.name, value: tf.clone(created) };
      }
      if (found.shape.length !== spec.shape.length || found.shape.some((d, i) => d !== spec.shape[i])) {
        throw new ModelRegistryError(
          `weight "${spec.name}" has shape [${found.shape.join(', ')}], expected [${spec.shape.join(', ')}]`,
        );
      }
      return { name: spec.name, value: tf.tensor(found.data, [...spec.shape]) };
    });
    fresh?.dispose();
    const set = new ParameterSet(entries);
    for (const e of entries) e.value.dispose();
    return set;
  }

  /** The variable called `name`. @throws {@link ModelRegistryError} when there is none. */
  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (v === undefined) throw new ModelRegistryError(`weight "${name}" is missing`);
    return v;
  }

  /** Whether a weight called `name` exists. */
  has(name: string): boolean {
    return this.vars.has(name);
  }

  /** Names in declaration order. */
  names(): string[] {
    return [...this.vars.keys()];
  }

  /** Number of scalar weights. */
  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /** A copy of every weight's values (for early stopping's best snapshot and for tests). */
  snapshot(): Map<string, { shape: number[]; data: Float32Array }> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, v] of this.vars) out.set(name, { shape: [...v.shape], data: v.dataSync() as Float32Array });
    return out;
  }

  /** Overwrites weights from a snapshot (`snapshot()`) (names absent from it are left as they are). */
  restore(snapshot: ReadonlyMap<string, { data: Float32Array }>): void {
    for (const [name, v] of this.vars) {
      const s = snapshot.get(name);
      if (s !== undefined) tf.tidy(() => v.assign(tf.tensor(s.data, v.shape)));
    }
  }

  /** The flat little-endian float32 bytes and the manifest (offsets in bytes). */
  serialize(): { manifest: WeightManifestEntry[]; bytes: Uint8Array } {
    return serializeArrays(this.snapshot());
  }

  /** Disposes every variable. */
  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** Packs named arrays into `weights.bin` bytes (little-endian float32) and a manifest, in map order. */
export function serializeArrays(arrays: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>): {
  manifest: WeightManifestEntry[];
  bytes: Uint8Array;
} {
  let total = 0;
  for (const a of arrays.values()) total += a.data.length;
  const bytes = new Uint8Array(total * 4);
  const view = new DataView(bytes.buffer);
  const manifest: WeightManifestEntry[] = [];
  let offset = 0;
  for (const [name, a] of arrays) {
    manifest.push({ name, shape: [...a.shape], offset });
    for (let i = 0; i < a.data.length; i++) view.setFloat32(offset + i * 4, a.data[i] as number, true);
    offset += a.data.length * 4;
  }
  return { manifest, bytes };
}

/**
 * Reads `weights.bin` bytes per a manifest.
 * @throws {@link ModelRegistryError} when an entry runs past the end of the bytes.
 */
export function deserializeArrays(
  manifest: readonly WeightManifestEntry[],
  bytes: Uint8Array,
): Map<string, { shape: number[]; data: Float32Array }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const entry of manifest) {
    const n = size(entry.shape);
    if (entry.offset < 0 || entry.offset + n * 4 > bytes.byteLength) {
      throw new ModelRegistryError(
        `weight "${entry.name}" runs past the end of weights.bin (offset ${entry.offset}, ${n} floats, ${bytes.byteLength} bytes)`,
      );
    }
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(entry.offset + i * 4, true);
    out.set(entry.name, { shape: [...entry.shape], data });
  }
  return out;
}
