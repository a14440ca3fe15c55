/**
 * A growable ring buffer of (timestamp, value, value) rows for rolling time windows.
 *
 * @internal
 */
export class TimeRing {
  ts: Float64Array;
  a: Float64Array;
  b: Float64Array;
  head = 0;
  size = 0;

  constructor(capacity = 64) {
    this.ts = new Float64Array(capacity);
    this.a = new Float64Array(capacity);
    this.b = new Float64Array(capacity);
  }

  push(ts: number, a: number, b: number): void {
    if (this.size === this.ts.length) this.grow();
    const i = (this.head + this.size) % this.ts.length;
    this.ts[i] = ts;
    this.a[i] = a;
    this.b[i] = b;
    this.size++;
  }

  /** Timestamp of the oldest row (the ring must not be empty). */
  oldestTs(): number {
    return this.ts[this.head] as number;
  }
  oldestA(): number {
    return this.a[this.head] as number;
  }
  oldestB(): number {
    return this.b[this.head] as number;
  }
  dropOldest(): void {
    this.head = (this.head + 1) % this.ts.length;
    this.size--;
  }
  clear(): void {
    this.head = 0;
    this.size = 0;
  }

  /** Doubles the capacity: the only allocation, when a window holds more rows than ever before. */
  private grow(): void {
    const cap = this.ts.length;
    const copy = (src: Float64Array) => {
      const dst = new Float64Array(cap * 2);
      for (let k = 0; k < this.size; k++) dst[k] = src[(this.head + k) % cap] as number;
      return dst;
    };
    this.ts = copy(this.ts);
    this.a = copy(this.a);
    this.b = copy(this.b);
    this.head = 0;
  }
}
