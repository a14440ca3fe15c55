/**
 * Combinatorial purged cross-validation (López de Prado, *Advances in Financial Machine
 * Learning*, ch. 12), with exactly the conventions of docs/learning.md, so the splits can be
 * checked against other implementations (skfolio's `CombinatorialPurgedCV` gives the same
 * splits when nothing is purged):
 *
 * - rows sorted by `t0`; N contiguous groups of `floor(n/N)` rows, the last takes the remainder;
 * - splits: every k-subset of groups as test, in lexicographic order;
 * - purge: a training row is dropped when `[t0, t1]` intersects `[T_start, T_end]` of a test
 *   group (`T_start` its first `t0`, `T_end` its largest `t1`);
 * - embargo: a training row is dropped when `T_end < t0 ≤ T_end + embargo`;
 * - paths: φ = k/N·C(N, k); the j-th split (in split order) that has group g as test gives
 *   group g's predictions to path j.
 *
 * @module
 */
import { BaseError } from '@tickerml/core';

/** The most splits a plan may have (C(N, k)); more is almost surely a misconfiguration. */
export const MAX_CPCV_SPLITS = 100_000;

/** Settings of {@link combinatorialPurgedCv}. */
export interface CpcvOptions {
  /** Number of groups N (at least 2). */
  readonly groups: number;
  /** Number of test groups per split k (1 ≤ k < N). */
  readonly testGroups: number;
  /** Embargo after each test group, µs (0 for none). */
  readonly embargoUs: number;
}

/** One contiguous group of rows (in `t0` order). */
export interface CpcvGroup {
  /** Row indices of the group, ascending by `t0`. */
  readonly rows: readonly number[];
  /** First `t0` of the group, µs. */
  readonly startUs: number;
  /** Largest `t1` of the group, µs. */
  readonly endUs: number;
}

/** One train/test split. */
export interface CpcvSplit {
  /** The test groups, ascending. */
  readonly testGroups: readonly number[];
  /** Training rows after purge and embargo, in `t0` order. */
  readonly train: readonly number[];
  /** Test rows, in `t0` order. */
  readonly test: readonly number[];
  /** For each test group, the path its predictions belong to. */
  readonly pathOfGroup: ReadonlyMap<number, number>;
}

/** A full CPCV plan. */
export interface CpcvPlan {
  /** C(N, k). */
  readonly nSplits: number;
  /** φ = k/N·C(N, k). */
  readonly nPaths: number;
  /** The N groups. */
  readonly groups: readonly CpcvGroup[];
  /** The splits, test-group subsets in lexicographic order. */
  readonly splits: readonly CpcvSplit[];
  /** `paths[p][g]`: the split whose predictions for group g form part of path p. */
  readonly paths: readonly (readonly number[])[];
}

/**
 * CPCV settings that cannot work: N < 2, k outside [1, N), fewer rows than groups, a negative
 * embargo, too many splits, mismatched or unordered columns. The message names the setting.
 *
 * @example
 * ```ts
 * combinatorialPurgedCv(t0, t1, { groups: 3, testGroups: 3, embargoUs: 0 }); // throws CpcvOptionError
 * ```
 */
export class CpcvOptionError extends BaseError {
  override name = 'CpcvOptionError' as const;
  constructor(message: string) {
    super(`cpcv: ${message}`);
  }
}

/**
 * C(n, k) as a number (exact up to 2^53).
 *
 * @example
 * ```ts
 * binomial(6, 2); // 15
 * ```
 */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let result = 1;
  for (let i = 1; i <= Math.min(k, n - k); i++) result = (result * (n - i + 1)) / i;
  return Math.round(result);
}

/** Every k-subset of 0..n−1, in lexicographic order. */
function* subsets(n: number, k: number): Generator<number[]> {
  const pick = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    yield pick.slice();
    let i = k - 1;
    while (i >= 0 && pick[i] === n - k + i) i--;
    if (i < 0) return;
    pick[i] = (pick[i] as number) + 1;
    for (let j = i + 1; j < k; j++) pick[j] = (pick[j - 1] as number) + 1;
  }
}

function toNumber(value: number | bigint): number {
  return typeof value === 'bigint' ? Number(value) : value;
}

/**
 * Builds the CPCV plan of a dataset from its decision times and label ends.
 *
 * @param t0Us - each row's decision time, µs (numbers or the Int64 column's bigints)
 * @param t1Us - each row's label end, µs (≥ its `t0`)
 * @throws {CpcvOptionError} for impossible settings or inconsistent columns
 * @example
 * ```ts
 * const plan = combinatorialPurgedCv(dataset.t0, dataset.t1, { groups: 6, testGroups: 2, embargoUs: 60_000_000 });
 * plan.nSplits; // 15
 * plan.nPaths; // 5
 * ```
 */
export function combinatorialPurgedCv(
  t0Us: ArrayLike<number | bigint>,
  t1Us: ArrayLike<number | bigint>,
  options: CpcvOptions,
): CpcvPlan {
  const { groups: nGroups, testGroups: k, embargoUs } = options;
  const n = t0Us.length;
  if (!Number.isInteger(nGroups) || nGroups < 2)
    throw new CpcvOptionError(`groups must be an integer ≥ 2, was ${nGroups}`);
  if (!Number.isInteger(k) || k < 1 || k >= nGroups) {
    throw new CpcvOptionError(`test groups must be an integer in [1, ${nGroups - 1}], was ${k}`);
  }
  if (!(embargoUs >= 0) || !Number.isFinite(embargoUs))
    throw new CpcvOptionError(`embargo must be ≥ 0 µs, was ${embargoUs}`);
  if (t1Us.length !== n) throw new CpcvOptionError(`t0 has ${n} rows but t1 has ${t1Us.length}`);
  if (n < nGroups) throw new CpcvOptionError(`${n} rows cannot form ${nGroups} groups`);
  const nSplits = binomial(nGroups, k);
  if (nSplits > MAX_CPCV_SPLITS) {
    throw new CpcvOptionError(`C(${nGroups}, ${k}) = ${nSplits} splits is more than ${MAX_CPCV_SPLITS}`);
  }
  const t0 = new Float64Array(n);
  const t1 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t0[i] = toNumber(t0Us[i] as number | bigint);
    t1[i] = toNumber(t1Us[i] as number | bigint);
    if (!((t1[i] as number) >= (t0[i] as number))) {
      throw new CpcvOptionError(`row ${i}: t1 ${t1[i]} is before t0 ${t0[i]} (or not a number)`);
    }
  }
  // Rows in t0 order (stable: equal t0 keep their index order).
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (t0[a] as number) - (t0[b] as number) || a - b);
  const size = Math.floor(n / nGroups);
  const groupOf = new Int32Array(n);
  const groups: CpcvGroup[] = [];
  for (let g = 0; g < nGroups; g++) {
    const from = g * size;
    const to = g === nGroups - 1 ? n : from + size;
    const rows = order.slice(from, to);
    let endUs = Number.NEGATIVE_INFINITY;
    for (const r of rows) {
      groupOf[r] = g;
      if ((t1[r] as number) > endUs) endUs = t1[r] as number;
    }
    groups.push({ rows, startUs: t0[rows[0] as number] as number, endUs });
  }
  const nPaths = (nSplits * k) / nGroups;
  const nextPath = new Array<number>(nGroups).fill(0);
  const paths = Array.from({ length: nPaths }, () => new Array<number>(nGroups).fill(-1));
  const splits: CpcvSplit[] = [];
  let j = 0;
  for (const testGroups of subsets(nGroups, k)) {
    const isTest = new Array<boolean>(nGroups).fill(false);
    for (const g of testGroups) isTest[g] = true;
    const test: number[] = [];
    const train: number[] = [];
    for (const r of order) {
      if (isTest[groupOf[r] as number]) {
        test.push(r);
        continue;
      }
      const rowStart = t0[r] as number;
      const rowEnd = t1[r] as number;
      let keep = true;
      for (const g of testGroups) {
        const group = groups[g] as CpcvGroup;
        const overlaps = rowStart <= group.endUs && rowEnd >= group.startUs;
        const embargoed = rowStart > group.endUs && rowStart <= group.endUs + embargoUs;
        if (overlaps || embargoed) {
          keep = false;
          break;
        }
      }
      if (keep) train.push(r);
    }
    const pathOfGroup = new Map<number, number>();
    for (const g of testGroups) {
      const p = nextPath[g] as number;
      nextPath[g] = p + 1;
      pathOfGroup.set(g, p);
      (paths[p] as number[])[g] = j;
    }
    splits.push({ testGroups, train, test, pathOfGroup });
    j++;
  }
  return { nSplits, nPaths, groups, splits, paths };
}

/** The JSON layout `pc-trainer cv --json` prints. */
export interface CpcvJson {
  readonly n_splits: number;
  readonly n_paths: number;
  readonly splits: ReadonlyArray<{
    readonly test_groups: readonly number[];
    readonly train: readonly number[];
    readonly test: readonly number[];
    readonly path_of_group: Readonly<Record<string, number>>;
  }>;
}

/**
 * The plan in the JSON layout of `pc-trainer cv --json`:
 * `{"n_splits", "n_paths", "splits": [{"test_groups", "train", "test", "path_of_group"}]}`.
 *
 * @example
 * ```ts
 * console.log(JSON.stringify(cpcvToJson(plan)));
 * ```
 */
export function cpcvToJson(plan: CpcvPlan): CpcvJson {
  return {
    n_splits: plan.nSplits,
    n_paths: plan.nPaths,
    splits: plan.splits.map((s) => ({
      test_groups: s.testGroups,
      train: s.train,
      test: s.test,
      path_of_group: Object.fromEntries([...s.pathOfGroup].map(([g, p]) => [String(g), p])),
    })),
  };
}
