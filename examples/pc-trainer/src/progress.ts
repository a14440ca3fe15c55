/**
 * A progress bar on stderr for the long `pc-trainer` commands (dataset, cv, trajectories, train):
 * one line rewritten in place on a terminal, nothing when stderr is not a terminal (logs and
 * pipes stay clean; the command's summary line says what was done).
 *
 * @module
 */

/** A running progress bar. */
export interface Progress {
  /** Sets how far the work is (`done` of the total) and the text after the bar. Throttled. */
  update(done: number, detail?: string): void;
  /** Draws the bar at 100 % (or where it is, with `done`) and ends the line. */
  finish(detail?: string, done?: number): void;
}

/** Options of {@link progressBar}. */
export interface ProgressOptions {
  /** Text before the bar, e.g. `dataset`. */
  readonly label: string;
  /** The total `done` counts towards (events, rows, µs of data, steps...); 0 draws an empty bar. */
  readonly total: number;
  /** Where the bar goes. Defaults to `process.stderr.write`. */
  readonly write?: (text: string) => void;
  /** Whether to draw at all. Defaults to `process.stderr.isTTY`. */
  readonly enabled?: boolean;
  /** Least time between two redraws, ms. Defaults to 100. */
  readonly minIntervalMs?: number;
  /** Clock for the throttle, ms. Defaults to `performance.now`. */
  readonly nowMs?: () => number;
}

const WIDTH = 30;

/**
 * A progress bar: `label [#########.....................]  31% detail`.
 *
 * @example
 * ```ts
 * const bar = progressBar({ label: 'dataset', total: endUs - startUs });
 * bar.update(e.localTs - startUs, `${rows} rows`);
 * bar.finish(`${rows} rows`);
 * ```
 */
export function progressBar(options: ProgressOptions): Progress {
  const enabled = options.enabled ?? process.stderr.isTTY === true;
  if (!enabled) return { update: () => {}, finish: () => {} };
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  const nowMs = options.nowMs ?? (() => performance.now());
  const minInterval = options.minIntervalMs ?? 100;
  let last = Number.NEGATIVE_INFINITY;
  let current = 0;
  let width = 0;
  const draw = (done: number, detail: string) => {
    const fraction = options.total > 0 ? Math.min(1, Math.max(0, done / options.total)) : 0;
    const full = Math.round(fraction * WIDTH);
    const line = `${options.label} [${'#'.repeat(full)}${'.'.repeat(WIDTH - full)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${detail}`;
    write(`\r${line.padEnd(width)}`);
    width = line.length;
  };
  return {
    update(done, detail = '') {
      current = done;
      const now = nowMs();
      if (now - last < minInterval) return;
      last = now;
      draw(done, detail);
    },
    finish(detail = '', done = options.total) {
      current = done;
      draw(current, detail);
      write('\n');
    },
  };
}
