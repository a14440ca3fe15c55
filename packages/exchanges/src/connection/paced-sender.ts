/**
 * Sends messages on a socket no faster than a venue's message rate limit, through the injected
 * clock's timers (so tests see the pacing without sleeping).
 *
 * @module
 */
import type { Clock } from '@tickerml/core';
import { type AdapterTimers, type TimerHandle, timersOn } from '../common/clock.js';

/**
 * A FIFO of outgoing messages drained so that no sliding one-second window holds more than
 * `maxPerSecond` sends: a short burst (subscribe + re-subscribe) goes out at once, a long one is
 * spread out.
 *
 * @example
 * const sender = new PacedSender((m) => ws.send(m), 5, new TestClock(1_700_000_000_000_000));
 * sender.enqueue(['{"method":"SUBSCRIBE",...}']);
 */
export class PacedSender {
  private readonly queue: string[] = [];
  private timer: TimerHandle | undefined;
  /** Send times (µs) of the last `limit` messages, a ring. */
  private readonly sentAtUs: number[];
  private ring = 0;
  private closed = false;
  private readonly limit: number;
  private readonly clock: AdapterTimers;
  /** Messages sent so far. */
  sent = 0;

  /**
   * @param send writes one message to the socket.
   * @param maxPerSecond messages per second allowed by the venue (> 0).
   * @param clock the process's core clock; its alerts pace the sends.
   */
  constructor(
    private readonly send: (message: string) => void,
    maxPerSecond: number,
    clock: Clock,
  ) {
    this.clock = timersOn(clock, 'paced-sender');
    if (!(maxPerSecond >= 1) || !Number.isInteger(maxPerSecond))
      throw new RangeError(`maxPerSecond must be an integer >= 1, was ${maxPerSecond}`);
    this.limit = maxPerSecond;
    this.sentAtUs = new Array<number>(maxPerSecond).fill(Number.NEGATIVE_INFINITY);
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
      // The oldest of the last `limit` sends must be at least one second old.
      const waitMs = ((this.sentAtUs[this.ring] as number) + 1_000_000 - now) / 1000;
      if (waitMs > 0) {
        this.timer = this.clock.setTimer(waitMs, () => {
          this.timer = undefined;
          this.drain();
        });
        return;
      }
      const message = this.queue.shift() as string;
      this.sentAtUs[this.ring] = now;
      this.ring = (this.ring + 1) % this.limit;
      this.sent++;
      this.send(message);
    }
  }
}
