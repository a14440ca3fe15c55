/**
 * A progress bar on stderr for training: epoch, step, loss, samples per second and ETA.
 *
 * @module
 */
import type { Clock } from '@tickerml/core';

/** Where a training loop reports progress. */
export interface ProgressSink {
  /** After each update: `done` of `total` steps, the running training loss, samples so far. */
  step(done: number, total: number, loss: number, samples: number): void;
  /** After each epoch. */
  epoch(epoch: number, epochs: number, trainLoss: number, validationLoss: number | undefined): void;
  /** At the end. */
  finish(): void;
}

/** A sink that reports nothing (tests, benchmarks). */
export const silentProgress: ProgressSink = { step() {}, epoch() {}, finish() {} };

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * A text progress bar: redrawn in place on a terminal (at most every 100 ms), one line per
 * epoch otherwise.
 *
 * @example
 * ```ts
 * const bar = progressBar(new LiveClock(), process.stderr, 'pretrain');
 * bar.step(10, 100, 0.93, 320); // pretrain [███░░░…]  10/100 loss 0.9300 320 samples/s ETA 0m03s
 * ```
 */
export function progressBar(
  clock: Clock,
  stream: { write(text: string): unknown; readonly isTTY?: boolean },
  label: string,
): ProgressSink {
  const startUs = clock.nowUs();
  let lastDrawUs = 0;
  let line = '';
  const tty = stream.isTTY === true;
  return {
    step(done, total, loss, samples) {
      const nowUs = clock.nowUs();
      if (tty && nowUs - lastDrawUs < 100_000 && done < total) return;
      lastDrawUs = nowUs;
      const elapsed = Math.max(1e-6, (nowUs - startUs) / 1e6);
      const rate = samples / elapsed;
      const eta = done > 0 ? (elapsed / done) * (total - done) : Number.POSITIVE_INFINITY;
      const width = 24;
      const filled = Math.round((width * done) / Math.max(1, total));
      line = `${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total} loss ${loss.toFixed(4)} ${rate.toFixed(0)} samples/s ETA ${formatSeconds(eta)}`;
      if (tty) stream.write(`\r${line}\x1b[K`);
    },
    epoch(epoch, epochs, trainLoss, validationLoss) {
      const val = validationLoss === undefined ? '' : ` validation ${validationLoss.toFixed(4)}`;
      const text = `${label} epoch ${epoch}/${epochs} train ${trainLoss.toFixed(4)}${val}${line === '' ? '' : ` | ${line}`}`;
      stream.write(tty ? `\r${text}\x1b[K\n` : `${text}\n`);
    },
    finish() {
      if (tty) stream.write('\n');
    },
  };
}
