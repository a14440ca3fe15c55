/**
 * AdamW (Loshchilov & Hutter: Adam with weight decay decoupled from the gradient) and the
 * learning-rate schedule (linear warm-up, then cosine decay), which tfjs-core does not provide.
 *
 * @module
 */
import type { ParameterSet } from './params.js';
import { tf } from './tf.js';

/** AdamW settings. */
export interface AdamWOptions {
  /** Decoupled weight decay per step, as a fraction of `learningRate` (default 0.01). */
  readonly weightDecay: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

/** Whether a weight decays: matrices and embeddings do; biases and LayerNorm gains do not. */
export function decays(name: string): boolean {
  return name.endsWith('.w') || name.endsWith('_embed');
}

/**
 * AdamW over the named weights of a {@link ParameterSet}. Its moments are tf variables of its
 * own; {@link AdamW.dispose} frees them.
 *
 * @example
 * ```ts
 * const opt = new AdamW(params, ['w'], { weightDecay: 0.01 });
 * opt.apply(new Map([['w', grad]]), 1e-3);
 * ```
 */
export class AdamW {
  /** Updates applied so far. */
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;

  constructor(
    private readonly params: ParameterSet,
    readonly names: readonly string[],
    private readonly options: AdamWOptions,
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    for (const name of names) {
      const p = params.get(name);
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /** One update with `grads` (by weight name) at `learningRate`. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, learningRate: number): void {
    this.step += 1;
    const { beta1, beta2, epsilon } = this;
    const correction = Math.sqrt(1 - beta2 ** this.step) / (1 - beta1 ** this.step);
    tf.tidy(() => {
      for (const name of this.names) {
        const g = grads.get(name);
        if (g === undefined) continue;
        const p = this.params.get(name);
        const m = this.m.get(name) as tf.Variable;
        const v = this.v.get(name) as tf.Variable;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        let next = tf.sub(p, tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsilon)), learningRate * correction));
        if (decays(name) && this.options.weightDecay > 0)
          next = tf.sub(next, tf.mul(p, learningRate * this.options.weightDecay));
        p.assign(next);
      }
    });
  }

  /** The moments as named arrays (`m.<name>`, `v.<name>`), for a checkpoint. */
  snapshot(): Map<string, { shape: number[]; data: Float32Array }> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const name of this.names) {
      for (const [prefix, map] of [['m', this.m] as const, ['v', this.v] as const]) {
        const t = map.get(name) as tf.Variable;
        out.set(`${prefix}.${name}`, { shape: [...t.shape], data: t.dataSync() as Float32Array });
      }
    }
    return out;
  }

  /** Restores moments and the step count from a checkpoint. */
  restore(snapshot: ReadonlyMap<string, { data: Float32Array }>, step: number): void {
    this.step = step;
    for (const name of this.names) {
      for (const [prefix, map] of [['m', this.m] as const, ['v', this.v] as const]) {
        const s = snapshot.get(`${prefix}.${name}`);
        const t = map.get(name) as tf.Variable;
        if (s !== undefined) tf.tidy(() => t.assign(tf.tensor(s.data, t.shape)));
      }
    }
  }

  /** Frees the moments. */
  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/**
 * The learning rate at update `step` (0-based) of `totalSteps`: linear warm-up over
 * `warmupSteps` (capped at a tenth of the run, so a short run still reaches the peak), then
 * cosine decay from `peak` to `peak/10` at the last step.
 *
 * @example
 * ```ts
 * learningRateAt(0, 1000, 100, 1e-3); // 1e-5
 * learningRateAt(999, 1000, 100, 1e-3); // 1e-4
 * ```
 */
export function learningRateAt(step: number, totalSteps: number, warmupSteps: number, peak: number): number {
  const warmup = Math.min(warmupSteps, Math.floor(totalSteps / 10));
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const span = Math.max(1, totalSteps - 1 - warmup);
  const progress = Math.min(1, (step - warmup) / span);
  const floor = peak / 10;
  return floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
