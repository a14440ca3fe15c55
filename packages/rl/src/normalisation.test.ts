import { SeededRandom } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { RlOptionError } from './errors.js';
import { fitNormalisation, normalise } from './normalisation.js';

/** Rows of `[values (F), masks (F)]`. */
function vectors(rows: readonly (readonly number[])[]): Float32Array {
  return Float32Array.from(rows.flat());
}

describe('fitNormalisation', () => {
  it('fits present values only, gives masks mean 0 and std 1, and stores a zero std as 1 (hand-computed)', () => {
    // F = 3: feature 0 present in rows 0, 1, 3; feature 1 constant; feature 2 never present.
    const states = vectors([
      [1, 5, 0, 1, 1, 0],
      [3, 5, 0, 1, 1, 0],
      [100, 5, 0, 0, 1, 0], // feature 0 absent here: its 100 must not count
      [5, 5, 0, 1, 1, 0],
    ]);
    const norm = fitNormalisation(states, 6, [0, 1, 2, 3]);
    expect(Array.from(norm.mean)).toEqual([3, 5, 0, 0, 0, 0]);
    // population std of 1, 3, 5 = sqrt(8/3)
    expect(norm.std[0]).toBe(Math.fround(Math.sqrt(8 / 3)));
    expect(Array.from(norm.std.slice(1))).toEqual([1, 1, 1, 1, 1]);
    const z = normalise([3, 5, 0, 1, 1, 0], norm);
    expect(Array.from(z)).toEqual([0, 0, 0, 1, 1, 0]);
  });

  it('leaves the statistics identical, bit for bit, when every test-fold row changes', () => {
    const random = new SeededRandom(12);
    const rows = 300;
    const F = 8;
    const D = 2 * F;
    const states = new Float32Array(rows * D);
    for (let r = 0; r < rows; r++)
      for (let k = 0; k < F; k++) {
        const present = random.bool(0.8);
        states[r * D + k] = present ? random.normal(k, 1 + k) : 0;
        states[r * D + F + k] = present ? 1 : 0;
      }
    // Train: groups 0 and 2 of three; test: group 1 (rows 100-199).
    const train = [...Array.from({ length: 100 }, (_, i) => i), ...Array.from({ length: 100 }, (_, i) => 200 + i)];
    const before = fitNormalisation(states, D, train);
    const changed = states.slice();
    for (let r = 100; r < 200; r++)
      for (let k = 0; k < F; k++) {
        changed[r * D + k] = random.normal(1e6, 1e6);
        changed[r * D + F + k] = random.bool() ? 1 : 0;
      }
    const after = fitNormalisation(changed, D, train);
    const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer.slice(0)));
    expect(bits(after.mean)).toEqual(bits(before.mean));
    expect(bits(after.std)).toEqual(bits(before.std));
    // The same change on one training row does move them: the check above can fail.
    changed[0] = 1e6;
    changed[F] = 1;
    expect(fitNormalisation(changed, D, train).mean[0]).not.toBe(before.mean[0]);
    // And fitting on every row differs from fitting on the training rows.
    const everyRow = Array.from({ length: rows }, (_, i) => i);
    expect(fitNormalisation(states, D, everyRow).mean[3]).not.toBe(before.mean[3]);
  });

  it('refuses a bad dimension or a row out of range', () => {
    expect(() => fitNormalisation(new Float32Array(6), 3, [0])).toThrow(RlOptionError);
    expect(() => fitNormalisation(new Float32Array(6), 6, [1])).toThrow(/row index/);
  });
});
