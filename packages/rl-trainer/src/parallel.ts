/**
 * Data-parallel training over `worker_threads`: each worker holds the model on a backend of its
 * own (WASM under Node uses one core), computes the gradients of its contiguous shard of the
 * batch, and the main thread averages them in worker order, each weighted by its shard's share of
 * the batch's real (unpadded) steps — which makes the average the full batch's masked-mean
 * gradient up to float rounding — then clips and applies AdamW. The order is fixed, so a run is deterministic for a given worker count.
 *
 * @module
 */
import { Worker } from 'node:worker_threads';
import type { BackendName } from './backend.js';
import type { StateNormalisation, TrajectoryRows } from './data.js';
import type { DecisionLossWeights } from './decision.js';
import type { BackboneConfig, DecisionTransformerConfig } from './model.js';
import { clipByGlobalNorm } from './ops.js';
import type { AdamW } from './optimizer.js';
import type { ParameterSet, ParamSpec } from './params.js';
import { tf } from './tf.js';

/** What a worker is started with. */
export interface ParallelInit {
  readonly backend: BackendName;
  readonly specs: readonly ParamSpec[];
  readonly weights: readonly {
    readonly name: string;
    readonly shape: readonly number[];
    readonly data: Float32Array;
  }[];
  readonly trainable: readonly string[];
  readonly task: {
    readonly rows: TrajectoryRows;
    readonly config: BackboneConfig;
    readonly decision: DecisionTransformerConfig;
    readonly lossWeights: DecisionLossWeights;
    readonly returnScale: number;
    readonly normalisation: StateNormalisation;
  };
}

/** A request to a worker: the trainable weights now and the shard's example indices, or close. */
export type ParallelRequest =
  | { readonly kind: 'grads'; readonly weights: readonly Float32Array[]; readonly indices: readonly number[] }
  | { readonly kind: 'close' };

/** A worker's answer: its shard's mean loss, its real (unpadded) steps, and the gradients in trainable order. */
export interface ParallelResponse {
  readonly loss: number;
  readonly realSteps: number;
  readonly grads: readonly Float32Array[];
}

function spawn(init: ParallelInit): Worker {
  // From the TypeScript sources (tests, the bench), the worker is the .ts file loaded through
  // tsx's module hooks, registered inside the worker before the import.
  if (import.meta.url.endsWith('.ts')) {
    const url = new URL('./parallel-worker.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); });`;
    return new Worker(boot, { eval: true, workerData: init, execArgv: ['--conditions=@tickerml/source'] });
  }
  return new Worker(new URL('./parallel-worker.js', import.meta.url), { workerData: init });
}

/**
 * A pool of gradient workers for the Decision Transformer.
 *
 * @example
 * ```ts
 * const pool = await GradientWorkers.start(2, init);
 * const loss = await pool.step(params, optimizer, batch, 1e-3, 1);
 * await pool.close();
 * ```
 */
export class GradientWorkers {
  private constructor(
    private readonly workers: Worker[],
    private readonly trainable: readonly string[],
  ) {}

  /** Starts `count` workers, each with a copy of `init`'s weights and data. */
  static async start(count: number, init: ParallelInit): Promise<GradientWorkers> {
    const workers = await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<Worker>((resolve, reject) => {
            const worker = spawn(init);
            worker.once('message', () => resolve(worker));
            worker.once('error', reject);
          }),
      ),
    );
    return new GradientWorkers(workers, init.trainable);
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * One AdamW update on `indices`, split into contiguous shards, one per worker; returns the
   * batch loss (the shards' losses weighted by their real steps).
   */
  async step(
    params: ParameterSet,
    optimizer: AdamW,
    indices: readonly number[],
    learningRate: number,
    clipNorm: number,
  ): Promise<number> {
    const weights = this.trainable.map((name) => params.get(name).dataSync() as Float32Array);
    const per = Math.ceil(indices.length / this.workers.length);
    const shards = this.workers.map((_, i) => indices.slice(i * per, (i + 1) * per));
    const answers = await Promise.all(
      this.workers.map(
        (worker, i) =>
          new Promise<ParallelResponse>((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
            worker.postMessage({ kind: 'grads', weights, indices: shards[i] ?? [] } satisfies ParallelRequest);
          }),
      ),
    );
    const total = answers.reduce((sum, a) => sum + a.realSteps, 0);
    let loss = 0;
    const sums = this.trainable.map((name) => new Float32Array(params.get(name).size));
    answers.forEach((answer, i) => {
      const share = total > 0 ? answer.realSteps / total : (shards[i] as number[]).length / indices.length;
      loss += answer.loss * share;
      answer.grads.forEach((g, j) => {
        const sum = sums[j] as Float32Array;
        for (let k = 0; k < g.length; k++) sum[k] = (sum[k] as number) + (g[k] as number) * share;
      });
    });
    const grads = this.trainable.map((name, j) => tf.tensor(sums[j] as Float32Array, params.get(name).shape));
    const { clipped } = clipByGlobalNorm(grads, clipNorm);
    optimizer.apply(new Map(this.trainable.map((name, j) => [name, clipped[j] as tf.Tensor])), learningRate);
    tf.dispose([...grads, ...clipped]);
    return loss;
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once('exit', () => resolve());
            worker.postMessage({ kind: 'close' } satisfies ParallelRequest);
          }),
      ),
    );
  }
}
