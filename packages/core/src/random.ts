/**
 * Seeded, reproducible randomness. Simulation, execution, risk and learning code takes a
 * {@link SeededRandom} instead of calling `Math.random()`, so every run can be replayed bit for bit.
 *
 * @module
 */

import { InvalidArgumentError } from './errors.js';

const MASK64 = (1n << 64n) - 1n;
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** One step of SplitMix64 (Steele, Lea & Flood 2014): returns [next state, output]. */
function splitMix64(state: bigint): [bigint, bigint] {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [next, z ^ (z >> 31n)];
}

/** 64-bit FNV-1a of the UTF-8 bytes of `text`. */
function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & MASK64;
  }
  return hash;
}

function seedTo64(seed: number | bigint | string): bigint {
  if (typeof seed === 'string') return fnv1a64(seed);
  if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError(String(seed), 'a seed (a safe integer, a bigint or a string)');
  }
  return BigInt.asUintN(64, BigInt(seed));
}

/**
 * A small, fast, seeded generator: xoshiro128** 1.1 (Blackman & Vigna), its 128-bit state
 * filled from the 64-bit seed by two SplitMix64 steps (low word first). Not cryptographic.
 *
 * - Same seed, same sequence, on every platform (integer operations only; {@link normal} uses
 *   `Math.log`/`Math.cos`, which V8 implements identically everywhere).
 * - {@link fork} derives an independent generator from this one's seed and a label, whatever
 *   has been drawn so far: `rng.fork('latency')` is the same stream in every run.
 * - No allocation per draw.
 *
 * @example
 * ```ts
 * const rng = new SeededRandom(42);
 * const u = rng.next();            // in [0, 1)
 * const die = rng.int(1, 6);       // 1…6 inclusive
 * const latencyMs = rng.uniform(50, 100);
 * const shock = rng.normal(0, 0.01);
 * const queueRng = rng.fork('queue');
 * ```
 */
export class SeededRandom {
  /** The 64-bit seed this generator started from. */
  readonly seed64: bigint;
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal = 0;
  private hasSpareNormal = false;

  /**
   * @param seed - a safe integer, a bigint (taken modulo 2^64) or a string (hashed with FNV-1a 64).
   * @throws {@link InvalidArgumentError} when a number seed is not a safe integer.
   */
  constructor(seed: number | bigint | string) {
    this.seed64 = seedTo64(seed);
    const [state1, first] = splitMix64(this.seed64);
    const [, second] = splitMix64(state1);
    this.setState(
      Number(first & 0xffffffffn),
      Number(first >> 32n),
      Number(second & 0xffffffffn),
      Number(second >> 32n),
    );
  }

  /**
   * A generator with this exact xoshiro128** state (four unsigned 32-bit words; not all zero).
   * For test vectors and checkpoints; see {@link state}.
   * @throws {@link InvalidArgumentError} when the words are not unsigned 32-bit integers or all zero.
   * @example
   * ```ts
   * SeededRandom.fromState([1, 2, 3, 4]).nextUint32(); // 11520
   * ```
   */
  static fromState(words: readonly [number, number, number, number], seed64 = 0n): SeededRandom {
    const rng = new SeededRandom(seed64);
    rng.setState(...words);
    return rng;
  }

  private setState(a: number, b: number, c: number, d: number): void {
    for (const word of [a, b, c, d]) {
      if (!Number.isInteger(word) || word < 0 || word >= TWO_POW_32) {
        throw new InvalidArgumentError(String(word), 'an unsigned 32-bit state word');
      }
    }
    if ((a | b | c | d) === 0) throw new InvalidArgumentError('0,0,0,0', 'a non-zero xoshiro128** state');
    this.s0 = a | 0;
    this.s1 = b | 0;
    this.s2 = c | 0;
    this.s3 = d | 0;
    this.hasSpareNormal = false;
  }

  /** The current state as four unsigned 32-bit words (restore with {@link fromState}). */
  state(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /**
   * The next unsigned 32-bit integer.
   * @example
   * ```ts
   * new SeededRandom(1).nextUint32(); // an integer in [0, 2^32)
   * ```
   */
  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * A float in [0, 1) with 53 random bits (two 32-bit draws).
   * @example
   * ```ts
   * rng.next(); // e.g. 0.7315…
   * ```
   */
  next(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / TWO_POW_53;
  }

  /**
   * A uniformly distributed integer in [`min`, `max`] (both inclusive), without modulo bias.
   * @throws {@link InvalidArgumentError} when the bounds are not safe integers or `min > max`.
   * @example
   * ```ts
   * rng.int(1, 6); // a die roll
   * ```
   */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max || max - min >= TWO_POW_53) {
      throw new InvalidArgumentError(`[${min}, ${max}]`, 'an integer range with min ≤ max and fewer than 2^53 values');
    }
    const range = max - min + 1;
    if (range <= TWO_POW_32) {
      const limit = TWO_POW_32 - (TWO_POW_32 % range);
      for (;;) {
        const x = this.nextUint32();
        if (x < limit) return min + (x % range);
      }
    }
    const limit = TWO_POW_53 - (TWO_POW_53 % range);
    for (;;) {
      const x = (this.nextUint32() >>> 5) * 67108864 + (this.nextUint32() >>> 6);
      if (x < limit) return min + (x % range);
    }
  }

  /**
   * A float uniformly distributed in [`a`, `b`).
   * @example
   * ```ts
   * rng.uniform(50, 100); // a latency in ms
   * ```
   */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  /**
   * A normally distributed float (Box–Muller; the second value of each pair is kept for the next call).
   * @param mean - default 0.
   * @param stdDev - default 1.
   * @example
   * ```ts
   * rng.normal(0, 0.01); // a 1 % shock
   * ```
   */
  normal(mean = 0, stdDev = 1): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return mean + stdDev * this.spareNormal;
    }
    const u1 = 1 - this.next(); // (0, 1]: log is finite
    const u2 = this.next();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    this.spareNormal = radius * Math.sin(angle);
    this.hasSpareNormal = true;
    return mean + stdDev * radius * Math.cos(angle);
  }

  /**
   * True with probability `p`.
   * @example
   * ```ts
   * rng.bool(0.1);
   * ```
   */
  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  /**
   * Shuffles `items` in place (Fisher–Yates) and returns it.
   * @example
   * ```ts
   * rng.shuffle([1, 2, 3]);
   * ```
   */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /**
   * An independent generator derived from this one's seed and `label` (not from its current
   * state), so a component's stream does not shift when another component draws more.
   * @example
   * ```ts
   * const latency = root.fork('latency:binanceus');
   * ```
   */
  fork(label: string): SeededRandom {
    return new SeededRandom(fnv1a64(`${this.seed64.toString(16)}/${label}`));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
