/**
 * Where the paper trader keeps its orders, fills, portfolio states and checkpoints: the TickerML
 * SQLite schema of `@tickerml/storage` (tables `orders`, `fills`, `portfolio_state`) plus one
 * table of its own, `paper_checkpoints`, in the same file. Each checkpoint and the rows written
 * since the previous one commit in ONE transaction.
 *
 * @module
 */
import type { FillRow, OrderRow, PortfolioStateRow, SqliteStore } from '@tickerml/storage';
import { CheckpointFormatError } from './errors.js';
import type { FiguresState } from './figures.js';

/** Format version of {@link Checkpoint}. */
export const CHECKPOINT_VERSION = 1;

/** Cash of one venue account in one currency, quote atoms (10⁻¹⁸) as a decimal integer string. */
export interface CheckpointCash {
  readonly venue: string;
  readonly currency: string;
  readonly atoms: string;
}

/** One position as the ledger holds it (money in atoms as decimal integer strings). */
export interface CheckpointPosition {
  readonly venue: string;
  readonly symbol: string;
  readonly qtyLots: number;
  readonly costAtoms: string;
  readonly realizedAtoms: string;
  readonly feesAtoms: string;
  readonly fundingAtoms: string;
  readonly markSumTicks: number;
  readonly tradedLots: number;
  readonly tradedNotionalAtoms: string;
}

/** An open order at the checkpoint. Prices in ticks, quantities in lots. */
export interface CheckpointOrder {
  readonly orderId: string;
  readonly venue: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly filledLots: number;
  readonly status: string;
  readonly tag: string | undefined;
}

/**
 * The state a restart resumes from. Everything is exact (atoms as integer strings) so a
 * recovered account compares equal to the one checkpointed.
 */
export interface Checkpoint {
  readonly version: number;
  /** 1, 2, 3… within a database. */
  readonly seq: number;
  /** Strategy time of the checkpoint, µs. */
  readonly atUs: number;
  /** Market events stepped into the engine before the checkpoint (the input position). */
  readonly eventsProcessed: number;
  /** The caller's own input position (e.g. last `localTs` per stream), JSON. */
  readonly source: unknown;
  readonly cash: readonly CheckpointCash[];
  readonly positions: readonly CheckpointPosition[];
  readonly totalFeesAtoms: string;
  readonly totalFundingAtoms: string;
  /** Fills booked so far (the first `fillsCount` rows of `fills` belong to this run). */
  readonly fillsCount: number;
  /** Equity at the first sample of the run, atoms. */
  readonly initialEquityAtoms: string;
  readonly openOrders: readonly CheckpointOrder[];
  /** Drawdown guard state, when a risk gate runs. */
  readonly risk: { readonly peakEquity: number; readonly emergencyStop: boolean } | undefined;
  /** Max drawdown so far and the UTC day's opening equity (absent in checkpoints of older builds). */
  readonly figures?: FiguresState;
}

/** Rows written with a checkpoint. */
export interface CheckpointRows {
  readonly fills: readonly FillRow[];
  readonly orders: readonly OrderRow[];
  readonly portfolioState: PortfolioStateRow;
}

const DDL = `CREATE TABLE IF NOT EXISTS paper_checkpoints (
  seq INTEGER PRIMARY KEY,
  at_us INTEGER NOT NULL,
  events_processed INTEGER NOT NULL,
  state TEXT NOT NULL
)`;

/**
 * Checkpoints in a TickerML SQLite database.
 *
 * @example
 * ```ts
 * const paperStore = new PaperStore(SqliteStore.open('data/tickerml.sqlite'));
 * const last = paperStore.latest(); // undefined on a fresh database
 * ```
 */
export class PaperStore {
  readonly store: SqliteStore;
  /** How many checkpoints to keep (older ones are deleted in the same transaction). Default 20. */
  readonly keep: number;

  /** Creates the `paper_checkpoints` table if it is missing. */
  constructor(store: SqliteStore, options: { readonly keep?: number } = {}) {
    this.store = store;
    this.keep = options.keep ?? 20;
    store.transaction((db) => db.exec(DDL));
  }

  /**
   * Commits `checkpoint` with `rows` in one transaction: all of it is on disk, or none.
   * @throws the storage errors (`InvalidRowError` naming the table and column of a bad value).
   */
  commit(checkpoint: Checkpoint, rows: CheckpointRows): void {
    this.store.transaction((db) => {
      if (rows.fills.length > 0) this.store.insert('fills', rows.fills);
      if (rows.orders.length > 0) this.store.insert('orders', rows.orders);
      this.store.insert('portfolio_state', [rows.portfolioState]);
      db.prepare('INSERT INTO paper_checkpoints (seq, at_us, events_processed, state) VALUES (?, ?, ?, ?)').run(
        checkpoint.seq,
        checkpoint.atUs,
        checkpoint.eventsProcessed,
        JSON.stringify(checkpoint),
      );
      db.prepare('DELETE FROM paper_checkpoints WHERE seq <= ?').run(checkpoint.seq - this.keep);
    });
  }

  /**
   * The last committed checkpoint, or `undefined` when there is none.
   * @throws CheckpointFormatError when it was written by an unknown format version or is not valid JSON.
   */
  latest(): Checkpoint | undefined {
    const row = this.store.transaction(
      (db) =>
        db.prepare('SELECT seq, state FROM paper_checkpoints ORDER BY seq DESC LIMIT 1').get() as
          | { seq: number; state: string }
          | undefined,
    );
    if (row === undefined) return undefined;
    let cp: Checkpoint;
    try {
      cp = JSON.parse(row.state) as Checkpoint;
    } catch (error) {
      throw new CheckpointFormatError(`paper_checkpoints row ${row.seq}: state is not valid JSON`, { cause: error });
    }
    if (cp.version !== CHECKPOINT_VERSION) {
      throw new CheckpointFormatError(
        `paper_checkpoints row ${row.seq}: format version ${String(cp.version)}, this build reads ${CHECKPOINT_VERSION}`,
      );
    }
    return cp;
  }

  /**
   * The equity history of the `portfolio_state` rows from `sinceUs` on, one row per
   * `intervalUs` (the first of each interval), oldest first: what a restart rebuilds the Sharpe
   * ratio's samples from.
   */
  equityHistory(sinceUs: number, intervalUs: number): { atUs: number; value: number }[] {
    const rows = this.store.transaction(
      (db) =>
        db
          .prepare(
            'SELECT MIN(timestamp) AS ts, total_value AS v FROM portfolio_state WHERE timestamp >= ? GROUP BY timestamp / CAST(? AS INTEGER) ORDER BY ts',
          )
          .all(sinceUs, Math.max(1, Math.floor(intervalUs))) as { ts: number; v: string }[],
    );
    return rows.map((r) => ({ atUs: r.ts, value: Number(r.v) }));
  }

  /**
   * The highest sequence numbers in the stored order ids (`<venue>-<n>` sent to a venue,
   * `<venue>-risk-<n>` refused by risk), 0 when there is none: a new run continues after them, so an
   * order id names one order for the life of the database, across restarts, kill -9 and `--fresh`.
   */
  lastOrderSeqs(): { readonly orders: number; readonly rejections: number } {
    const tail = "CAST(substr(order_id, length(rtrim(order_id, '0123456789')) + 1) AS INTEGER)";
    const row = this.store.transaction(
      (db) =>
        db
          .prepare(
            `SELECT MAX(CASE WHEN order_id GLOB '*-risk-[0-9]*' THEN NULL ELSE ${tail} END) AS orders, MAX(CASE WHEN order_id GLOB '*-risk-[0-9]*' THEN ${tail} END) AS rejections FROM orders`,
          )
          .get() as { orders: number | null; rejections: number | null } | undefined,
    );
    return { orders: row?.orders ?? 0, rejections: row?.rejections ?? 0 };
  }

  /** Deletes every checkpoint (a `--fresh` start); orders, fills and states stay as history. */
  clear(): void {
    this.store.transaction((db) => db.prepare('DELETE FROM paper_checkpoints').run());
  }
}
