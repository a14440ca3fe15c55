/**
 * Sends messages on a socket no faster than a venue's message rate limit, through the injected
 * clock's timers (so tests see the pacing without sleeping).
 *
 * @module
 */
import type { FeedClock, TimerHandle } from '../common/clock.js';

/**
 * A FIFO of outgoing messages drained at most `maxPerSecond` per second.
 *
 * @example
 * const sender = new PacedSender((m) => ws.send(m), 5, clock);
 * sender.enqueue(['{"method":"SUBSCRIBE",...}']);
 */
export class PacedSender {
  private readonly queue: string[] = [];
  private timer: TimerHandle | undefined;
  private lastSentUs = Number.NEGATIVE_INFINITY;
  private closed = false;
  private readonly intervalMs: number;
  /** Messages sent so far. */
  sent = 0;

  /**
   * @param send writes one message to the socket.
   * @param maxPerSecond messages per second allowed by the venue (> 0).
   */
  constructor(
    private readonly send: (message: string) => void,
    maxPerSecond: number,
    private readonly clock: FeedClock,
  ) {
    if (!(maxPerSecond > 0)) throw new RangeError(`maxPerSecond must be > 0, was ${maxPerSecond}`);
    this.intervalMs = 1000 / maxPerSecond;
  }

  /** Queues messages; the first goes out at once if the rate allows. */
  enqueue(messages: readonly string[]): void {
    if (this.closed) return;
    this.queue.push(...messages);
    this.drain();
  }

  /** Messages still waiting. */
  get pending(): number {
    return this.queue.length;
  }

  /** Drops the queue and cancels the timer. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    if (this.timer) this.clock.cancelTimer(this.timer);
    this.timer = undefined;
  }

  private drain(): void {
    if (this.timer !== undefined || this.closed) return;
    while (this.queue.length > 0) {
      const now = this.clock.nowUs();
      const waitMs = (this.lastSentUs + this.intervalMs * 1000 - now) / 1000;
      if (waitMs > 0) {
        this.timer = this.clock.setTimer(waitMs, () => {
          this.timer = undefined;
          this.drain();
        });
        return;
      }
      const message = this.queue.shift() as string;
      this.lastSentUs = now;
      this.sent++;
      this.send(message);
    }
  }
}
