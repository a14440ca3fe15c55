/**
 * The emergency stop: trips when equity falls `maxDrawdown` below its running peak.
 *
 * Once tripped it stays tripped (every new order is refused) until {@link DrawdownGuard.reset}
 * is called explicitly by an operator; a recovery of equity does not lift it.
 *
 * @module
 */

/** What the guard says after an equity update. */
export interface DrawdownStatus {
  /** Highest equity seen, in quote currency. */
  readonly peakEquity: number;
  /** `1 - equity / peakEquity`, in [0, 1]. */
  readonly drawdown: number;
  /** True while the emergency stop is in force. */
  readonly tripped: boolean;
  /** True only on the update that tripped it: the caller cancels all orders (and flattens if configured) now. */
  readonly trippedNow: boolean;
}

/**
 * Tracks the equity peak and trips the emergency stop.
 *
 * @example
 * const guard = new DrawdownGuard(0.25);
 * guard.update(10_000, 0);
 * guard.update(7_400, 1_000_000).trippedNow; // true
 */
export class DrawdownGuard {
  #peak = 0;
  #drawdown = 0;
  #tripped = false;
  #trippedAtUs: number | undefined;

  constructor(readonly maxDrawdown: number) {
    if (!(maxDrawdown > 0 && maxDrawdown < 1))
      throw new RangeError(`maxDrawdown must be in (0, 1), was ${maxDrawdown}`);
  }

  /** Records equity (quote currency) at `tsUs` (µs) and reports the state. */
  update(equity: number, tsUs: number): DrawdownStatus {
    if (equity > this.#peak) this.#peak = equity;
    this.#drawdown = this.#peak > 0 ? Math.max(0, 1 - equity / this.#peak) : 0;
    let trippedNow = false;
    if (!this.#tripped && this.#drawdown >= this.maxDrawdown) {
      this.#tripped = true;
      this.#trippedAtUs = tsUs;
      trippedNow = true;
    }
    return { peakEquity: this.#peak, drawdown: this.#drawdown, tripped: this.#tripped, trippedNow };
  }

  /** True while the emergency stop is in force. */
  get tripped(): boolean {
    return this.#tripped;
  }
  /** When the stop tripped, µs since the epoch. */
  get trippedAtUs(): number | undefined {
    return this.#trippedAtUs;
  }
  /** Current drawdown from the peak, in [0, 1]. */
  get drawdown(): number {
    return this.#drawdown;
  }
  /** Current equity peak. */
  get peakEquity(): number {
    return this.#peak;
  }

  /**
   * Lifts the emergency stop. The peak restarts at `equity` so the same loss does not trip it again at once.
   */
  reset(equity: number): void {
    this.#tripped = false;
    this.#trippedAtUs = undefined;
    this.#peak = equity;
    this.#drawdown = 0;
  }
}
