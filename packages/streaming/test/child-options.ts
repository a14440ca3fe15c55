/**
 * Options shared by the consumer child processes of the crash tests (crashing-consumer.ts,
 * persisting-consumer.ts), given after their positional arguments.
 *
 *   --ids             write each trade's tradeId to the applied file instead of its seq
 *   --stop-after <n>  after applying the n-th trade, send the parent `{ applied: n, offset }` (the
 *                     Kafka offset of the record it came in) and never finish the handler, so
 *                     nothing more is applied and the parent can kill the process at that exact
 *                     point, inside a packed record if it was one
 */
import type { Trade } from '@tickerml/core';

/** What the options ask for. */
export interface ChildOptions {
  /** The line to write to the applied file for `trade`. */
  appliedLine(trade: Trade): string;
  /**
   * Counts one applied trade; at the `--stop-after` count, tells the parent and returns a promise
   * that never settles (the handler returns it and holds there). Otherwise `undefined`.
   */
  applied(offset: number): Promise<void> | undefined;
}

/** Reads the options after the positional arguments. */
export function childOptions(options: readonly string[]): ChildOptions {
  const writeIds = options.includes('--ids');
  const at = options.indexOf('--stop-after');
  const stopAfter = at === -1 ? undefined : Number(options[at + 1]);
  if (stopAfter !== undefined && !(Number.isSafeInteger(stopAfter) && stopAfter > 0)) {
    throw new Error(`--stop-after: expected a positive integer, found '${options[at + 1]}'`);
  }
  let count = 0;
  return {
    appliedLine: (trade) => `${writeIds ? trade.tradeId : trade.seq}\n`,
    applied(offset) {
      count++;
      if (count !== stopAfter) return undefined;
      process.send?.({ applied: count, offset });
      return new Promise<void>(() => {});
    },
  };
}
