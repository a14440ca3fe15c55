import { describe, expect, it } from 'vitest';
import { trajectoriesWithin } from './evaluate-policy.js';
import type { TrajectoryFile } from './trajectory-file.js';

function file(): TrajectoryFile {
  // Two episodes of 4 steps at t0 = 0..3 (two variants over the same period), rewards 1, 2, 4, 8.
  const n = 8;
  const t0 = Float64Array.from([0, 1, 2, 3, 0, 1, 2, 3]);
  const reward = Float64Array.from([1, 2, 4, 8, 1, 2, 4, 8]);
  return {
    path: 'x',
    sha256: '',
    datasetSha256: '',
    encoderVersion: 1,
    features: [{ name: 'f', unit: '', window: '' }],
    intervalUs: 1,
    riskBuckets: 4,
    stateDim: 2,
    states: Float32Array.from({ length: 2 * n }, (_, i) => i),
    t0,
    episode: Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]),
    action: Int8Array.from([0, 1, 2, 1, 2, 2, 0, 1]),
    size: new Float32Array(n),
    returnToGo: Float64Array.from([15, 14, 12, 8, 15, 14, 12, 8]),
    reward,
    riskBucket: new Int8Array(n),
    labelEndUs: new Float64Array(n).fill(4),
    dataRange: { fromUs: 0, toUs: 4 },
  };
}

describe('trajectoriesWithin (a CPCV split’s trajectory steps)', () => {
  it('keeps only training times, cuts episodes at the gaps and recomputes returns-to-go inside each piece', () => {
    // t0 = 2 is a test (or purged) time: each episode splits into [0, 1] and [3].
    const rows = trajectoriesWithin(file(), new Set([0, 1, 3]));
    expect(Array.from(rows.t0)).toEqual([0, 1, 3, 0, 1, 3]);
    expect(Array.from(rows.episode)).toEqual([0, 0, 1, 2, 2, 3]);
    // No reward of the test time (4) or after it reaches the targets before the gap.
    expect(Array.from(rows.returnToGo)).toEqual([3, 2, 8, 3, 2, 8]);
    expect(Array.from(rows.action)).toEqual([0, 1, 1, 2, 2, 1]);
    expect(Array.from(rows.states.subarray(4, 6))).toEqual([6, 7]); // row t0 = 3 of the first episode
  });
});
