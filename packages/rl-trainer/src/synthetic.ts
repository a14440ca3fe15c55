/**
 * Synthetic trajectories whose optimal action is a known function of the state, for the
 * learnability test, the determinism tests and the training benchmark.
 *
 * @module
 */
import { SeededRandom } from '@tickerml/core';
import type { PretrainRows, TrajectoryRows } from './data.js';

/** The optimal action of the synthetic environment: buy when feature 0 > 0.3, sell when < −0.3, else hold. */
export function syntheticOptimalAction(feature0: number): 0 | 1 | 2 {
  return feature0 > 0.3 ? 2 : feature0 < -0.3 ? 0 : 1;
}

/**
 * Episodes of `steps` steps with `features` standard-normal features (all masks 1), each step
 * taking the optimal action; the reward is `|feature0|·0.001` for a non-hold action, so
 * returns-to-go are meaningful. Steps are 1 s apart; episodes follow one another.
 *
 * @example
 * ```ts
 * const rows = syntheticTrajectories({ episodes: 40, steps: 20, features: 4, seed: 1 });
 * ```
 */
export function syntheticTrajectories(options: {
  episodes: number;
  steps: number;
  features: number;
  seed: number;
  startUs?: number;
}): TrajectoryRows {
  const { episodes, steps, features } = options;
  const n = episodes * steps;
  const s = 2 * features;
  const rng = new SeededRandom(options.seed);
  const rows = {
    stateDim: s,
    states: new Float32Array(n * s),
    t0: new Float64Array(n),
    episode: new Int32Array(n),
    action: new Int8Array(n),
    size: new Float32Array(n),
    returnToGo: new Float64Array(n),
    riskBucket: new Int8Array(n),
  };
  const reward = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < features; j++) {
      rows.states[i * s + j] = rng.normal(0, 1);
      rows.states[i * s + features + j] = 1;
    }
    const x = rows.states[i * s] ?? 0;
    const action = syntheticOptimalAction(x);
    rows.t0[i] = (options.startUs ?? 1_700_000_000_000_000) + i * 1_000_000;
    rows.episode[i] = Math.floor(i / steps);
    rows.action[i] = action;
    rows.size[i] = action === 1 ? 0 : Math.min(1, Math.abs(x) / 2);
    rows.riskBucket[i] = Math.min(3, Math.floor(Math.abs(x)));
    reward[i] = action === 1 ? 0 : Math.abs(x) * 0.001;
  }
  for (let i = n - 1; i >= 0; i--) {
    const last = i === n - 1 || rows.episode[i + 1] !== rows.episode[i];
    rows.returnToGo[i] = (reward[i] ?? 0) + (last ? 0 : (rows.returnToGo[i + 1] ?? 0));
  }
  return rows;
}

/**
 * Pretraining rows for one instrument whose direction labels follow feature 0 (up when > 0.3,
 * down when < −0.3), with volatility `|feature1|` and spread `1 + feature2²`.
 */
export function syntheticPretrainRows(options: {
  rows: number;
  features: number;
  seed: number;
  horizons?: readonly string[];
}): PretrainRows {
  const { rows: n, features } = options;
  const s = 2 * features;
  const rng = new SeededRandom(options.seed);
  const states = new Float32Array(n * s);
  const t0 = new Float64Array(n);
  const volatility = new Float32Array(n);
  const spread = new Float32Array(n);
  const horizons = options.horizons ?? ['1s', '10s', '60s'];
  const direction = new Map(horizons.map((h) => [h, new Int8Array(n)]));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < features; j++) {
      states[i * s + j] = rng.normal(0, 1);
      states[i * s + features + j] = 1;
    }
    const x = states[i * s] ?? 0;
    for (const d of direction.values()) d[i] = syntheticOptimalAction(x) - 1;
    volatility[i] = Math.abs(states[i * s + 1] ?? 0);
    spread[i] = 1 + (states[i * s + 2] ?? 0) ** 2;
    t0[i] = 1_700_000_000_000_000 + i * 1_000_000;
  }
  return {
    stateDim: s,
    states,
    t0,
    instrument: new Array<string>(n).fill('binanceus:BTC/USDT'),
    direction,
    volatility,
    spread,
  };
}
