import { describe, expect, it } from 'vitest';
import { binomial, CpcvOptionError, combinatorialPurgedCv, cpcvToJson } from './cpcv.js';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** 12 rows one µs apart whose labels end at their own decision time: nothing overlaps, so nothing is purged. */
const T12 = range(0, 12);

describe('combinatorialPurgedCv against skfolio’s published CombinatorialPurgedCV cases', () => {
  // Expected values from skfolio's tests/test_model_selection/test_combinatorial.py
  // (test_combinatorial_purged_cv, github.com/skfolio/skfolio, BSD-3-Clause), purged_size=0 and
  // embargo_size=0 on 12 rows. skfolio lists a split's test folds separately; here they are one
  // index list. Its get_path_ids() rows are the path of each of the split's test groups.
  it('12 rows, N = 3, k = 2', () => {
    const plan = combinatorialPurgedCv(T12, T12, { groups: 3, testGroups: 2, embargoUs: 0 });
    expect(plan.nSplits).toBe(3);
    expect(plan.nPaths).toBe(2);
    expect(plan.splits.map((s) => s.testGroups)).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
    expect(plan.splits.map((s) => s.train)).toEqual([range(8, 12), range(4, 8), range(0, 4)]);
    expect(plan.splits.map((s) => s.test)).toEqual([range(0, 8), [...range(0, 4), ...range(8, 12)], range(4, 12)]);
    expect(plan.splits.map((s) => [...s.pathOfGroup.values()])).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
    ]);
  });

  it('12 rows, N = 5, k = 2 (groups of 2 rows, the last takes the remaining 4)', () => {
    const plan = combinatorialPurgedCv(T12, T12, { groups: 5, testGroups: 2, embargoUs: 0 });
    expect(plan.groups.map((g) => g.rows)).toEqual([[0, 1], [2, 3], [4, 5], [6, 7], range(8, 12)]);
    expect(plan.nSplits).toBe(10);
    expect(plan.nPaths).toBe(4);
    expect(plan.splits.map((s) => s.testGroups)).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [0, 4],
      [1, 2],
      [1, 3],
      [1, 4],
      [2, 3],
      [2, 4],
      [3, 4],
    ]);
    expect(plan.splits.map((s) => s.train)).toEqual([
      [4, 5, 6, 7, 8, 9, 10, 11],
      [2, 3, 6, 7, 8, 9, 10, 11],
      [2, 3, 4, 5, 8, 9, 10, 11],
      [2, 3, 4, 5, 6, 7],
      [0, 1, 6, 7, 8, 9, 10, 11],
      [0, 1, 4, 5, 8, 9, 10, 11],
      [0, 1, 4, 5, 6, 7],
      [0, 1, 2, 3, 8, 9, 10, 11],
      [0, 1, 2, 3, 6, 7],
      [0, 1, 2, 3, 4, 5],
    ]);
    expect(plan.splits[3]?.test).toEqual([0, 1, 8, 9, 10, 11]);
    expect(plan.splits.map((s) => [...s.pathOfGroup.values()])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
      [1, 1],
      [2, 1],
      [3, 1],
      [2, 2],
      [3, 2],
      [3, 3],
    ]);
    // skfolio's recombined_paths, transposed: group g of path p comes from split paths[p][g].
    expect(plan.paths).toEqual([
      [0, 0, 1, 2, 3],
      [1, 4, 4, 5, 6],
      [2, 5, 7, 7, 8],
      [3, 6, 8, 9, 9],
    ]);
  });
});

describe('purge and embargo with variable label spans (hand-computed)', () => {
  // Rows at t0 = 0, 10, …, 50 µs with labels of different lengths. Groups (N = 3): {0,1} spanning
  // [0, 35] (row 1's label runs to 35), {2,3} spanning [20, 31], {4,5} spanning [40, 50].
  const t0 = [0, 10, 20, 30, 40, 50];
  const t1 = [5, 35, 25, 31, 45, 50];

  it('purges rows whose [t0, t1] meets a test group, before and after it', () => {
    const plan = combinatorialPurgedCv(t0, t1, { groups: 3, testGroups: 1, embargoUs: 0 });
    expect(plan.groups.map((g) => [g.startUs, g.endUs])).toEqual([
      [0, 35],
      [20, 31],
      [40, 50],
    ]);
    // Test {0,1} = [0, 35]: rows 2 [20,25] and 3 [30,31] start inside it → purged.
    // Test {2,3} = [20, 31]: row 1 [10,35] starts before but its label runs into it → purged.
    // Test {4,5} = [40, 50]: nothing overlaps.
    expect(plan.splits.map((s) => s.train)).toEqual([
      [4, 5],
      [0, 4, 5],
      [0, 1, 2, 3],
    ]);
    expect(plan.nPaths).toBe(1);
  });

  it('embargoes rows with T_end < t0 ≤ T_end + embargo', () => {
    const plan = combinatorialPurgedCv(t0, t1, { groups: 3, testGroups: 1, embargoUs: 10 });
    // After [0, 35]: row 4 (t0 40 ≤ 45) embargoed, row 5 (t0 50) kept.
    // After [20, 31]: row 4 (t0 40 ≤ 41) embargoed, row 5 kept. After [40, 50]: nothing follows.
    expect(plan.splits.map((s) => s.train)).toEqual([[5], [0, 5], [0, 1, 2, 3]]);
    // The bound is inclusive: an embargo of 9 after T_end 31 ends at 40 and still takes row 4; 8 does not.
    expect(combinatorialPurgedCv(t0, t1, { groups: 3, testGroups: 1, embargoUs: 9 }).splits[1]?.train).toEqual([0, 5]);
    expect(combinatorialPurgedCv(t0, t1, { groups: 3, testGroups: 1, embargoUs: 8 }).splits[1]?.train).toEqual([
      0, 4, 5,
    ]);
  });

  it('sorts rows by t0 and reports the input row indices', () => {
    const perm = [3, 5, 0, 4, 1, 2]; // input row i is sorted row perm[i]
    const p0 = perm.map((r) => t0[r] as number);
    const p1 = perm.map((r) => t1[r] as number);
    const plan = combinatorialPurgedCv(p0, p1, { groups: 3, testGroups: 1, embargoUs: 10 });
    const inputOf = (sorted: number) => perm.indexOf(sorted);
    expect(plan.splits.map((s) => s.train)).toEqual([[5], [0, 5], [0, 1, 2, 3]].map((rows) => rows.map(inputOf)));
  });
});

describe('paths and settings', () => {
  it('N = 6, k = 2 (the default): 15 splits, 5 paths, each path covers every group once from a split that tests it', () => {
    const t = range(0, 600).map((i) => i * 1_000_000);
    const plan = combinatorialPurgedCv(
      t,
      t.map((x) => x + 60_000_000),
      { groups: 6, testGroups: 2, embargoUs: 60_000_000 },
    );
    expect([plan.nSplits, plan.nPaths]).toEqual([15, 5]);
    expect(plan.nPaths).toBe((2 / 6) * binomial(6, 2));
    for (const path of plan.paths) {
      expect(path).toHaveLength(6);
      for (const [g, split] of path.entries()) expect(plan.splits[split]?.testGroups).toContain(g);
    }
    // Test groups {0,1} = rows 0..199, T_end = 199 s + 60 s label = 259 s: rows 200..259 start inside
    // [0, 259 s] (purged), rows 260..319 start within the 60 s embargo after it.
    expect(plan.splits[0]?.train).toEqual(range(320, 600));
    expect(plan.splits[0]?.test).toEqual(range(0, 200));
    const json = cpcvToJson(plan);
    expect(Object.keys(json)).toEqual(['n_splits', 'n_paths', 'splits']);
    expect(Object.keys(json.splits[0] ?? {})).toEqual(['test_groups', 'train', 'test', 'path_of_group']);
    expect(json.splits[14]?.path_of_group).toEqual({ '4': 4, '5': 4 });
  });

  it('refuses impossible settings, naming them', () => {
    expect(() => combinatorialPurgedCv(T12, T12, { groups: 3, testGroups: 3, embargoUs: 0 })).toThrow(
      'cpcv: test groups must be an integer in [1, 2], was 3',
    );
    expect(() => combinatorialPurgedCv([1, 2], [1, 2], { groups: 3, testGroups: 1, embargoUs: 0 })).toThrow(
      /2 rows cannot form 3 groups/,
    );
    expect(() => combinatorialPurgedCv(T12, T12, { groups: 3, testGroups: 1, embargoUs: -1 })).toThrow(CpcvOptionError);
    expect(() => combinatorialPurgedCv([5], [4], { groups: 2, testGroups: 1, embargoUs: 0 })).toThrow(CpcvOptionError);
    expect(() =>
      combinatorialPurgedCv(range(0, 40), range(0, 40), { groups: 40, testGroups: 20, embargoUs: 0 }),
    ).toThrow(/splits is more than 100000/);
  });
});
