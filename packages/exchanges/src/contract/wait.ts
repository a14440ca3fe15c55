/**
 * Waiting for a condition without sleeping a fixed time (tests and the contract harness).
 *
 * @module
 */

/**
 * Resolves once `condition()` is true, checking after every turn of the event loop (I/O
 * included). Rejects after `maxTurns` turns with `what` in the message, so a test that cannot
 * finish fails instead of hanging.
 *
 * @example
 * await waitFor(() => feed.book('BTC/USDT') !== undefined, 'BTC/USDT synced');
 */
export async function waitFor(
  condition: () => boolean,
  what: string,
  maxTurns = 2_000_000,
  onTurn?: () => void,
): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (condition()) return;
    onTurn?.();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`gave up waiting for: ${what}`);
}
