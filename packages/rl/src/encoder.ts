/**
 * The state encoder: market events in, the model's input vector out. The same class runs in the
 * dataset builder (offline, over recordings) and in the live policy on the box, so a model sees
 * in production exactly what it saw in training.
 *
 * The vector is `[values (F) ..., masks (F) ...]` (`dimension = 2F`, float32): mask 1 means the
 * feature's input was present at the decision time, mask 0 means it was absent and the value is 0,
 * never invented. Every feature is causal: the vector at `t0` uses only the events applied before
 * `encode(t0)`, i.e. (in the dataset builder and the live sampler) events with `localTs ≤ t0`.
 * Windows are in microseconds of the events' `localTs`; a window of length W at `t0` holds the
 * events with `t0 − W < localTs ≤ t0`.
 *
 * {@link ENCODER_VERSION} names the layout: any change to a feature's meaning, unit, window or
 * order bumps it. The layout depends on the options only through `bookLevels` (the deepest
 * imbalance), `crossVenues` (one feature per entry, in order) and `news` (two news features
 * before the agent's, when given); {@link StateEncoder.features} lists it.
 *
 * @module
 */
import type { MarketEvent } from '@tickerml/core';
import {
  DepthImbalance,
  L2Book,
  micropriceTicks,
  midTicks,
  NO_ASK_TICKS,
  NO_BID_TICKS,
  QueuePositionEstimate,
  RealizedVolatility,
  RollingVwap,
  spreadBps,
  TradeFlowImbalance,
} from '@tickerml/microstructure';
import { type NewsItem, SentimentFeature, type SentimentScore } from '@tickerml/news';
import { EncodeTimeError, RlOptionError } from './errors.js';

/**
 * Version of the state-vector layout written into every dataset, trajectory file and model.
 * Bumped on any change to a feature's meaning, unit, window or order.
 */
export const ENCODER_VERSION = 1;

/** One feature of the vector: its column name, unit and causal window. */
export interface FeatureSpec {
  /** Column name in datasets (`obi_5`, `tfi_10s`, `xvenue_kraken_bps`, ...). */
  readonly name: string;
  /** Unit of the value (`bps of mid`, `ratio in [-1, 1]`, ...). */
  readonly unit: string;
  /** Which events the value depends on, relative to the decision time `t0`. */
  readonly window: string;
  /** What it measures, in a sentence. */
  readonly description: string;
}

/** Another venue quoting the same asset, for a cross-venue spread feature. */
export interface CrossVenueQuote {
  /** Venue id, e.g. `kraken`; the feature is named `xvenue_<venue>_bps`. */
  readonly venue: string;
  /**
   * That venue's symbol for the asset (it may differ: `BTC/USD` against `BTC/USDT`; the two quote
   * currencies are taken at par). Leave it out when the venue does not list the asset (or is the
   * encoder's own venue): the feature is then always masked, which keeps one column layout for
   * every instrument of a dataset.
   */
  readonly symbol?: string;
  /** Price of one tick of `symbol` in its quote currency, e.g. `0.1`. Required with `symbol`. */
  readonly tickSize?: number;
}

/** Options of {@link StateEncoder}. */
export interface StateEncoderOptions {
  /** Venue of the instrument the vector describes, e.g. `binance`. */
  readonly venue: string;
  /** Its canonical symbol, e.g. `BTC/USDT`. */
  readonly symbol: string;
  /**
   * Price of one tick in the quote currency (e.g. `0.01`). Needed only to compare prices with
   * other venues (`crossVenues` with a symbol); ticks are the unit of everything else.
   */
  readonly tickSize?: number;
  /** Other venues, one `xvenue_<venue>_bps` feature each, in this order. Defaults to none. */
  readonly crossVenues?: readonly CrossVenueQuote[];
  /** The perpetual whose funding events feed `funding_bps`; masked when absent. */
  readonly funding?: { readonly venue: string; readonly symbol: string };
  /**
   * Deepest order-book imbalance, levels per side: the imbalances are at 1, 5 and `bookLevels`
   * levels (fewer when `bookLevels` < 5). Defaults to 10 (`model_config.yaml` `dataset.book_levels`).
   */
  readonly bookLevels?: number;
  /**
   * Adds the news features of `asset` (`news_sentiment`, `news_weight`; docs/news.md), fed by
   * {@link StateEncoder.onNews}. Without it the vector has no news columns.
   */
  readonly news?: {
    /** Base currency the items must mention, e.g. `BTC`. */
    readonly asset: string;
    /** Half-life of an item's weight, µs. Defaults to 3,600,000,000 (1 h). */
    readonly halfLifeUs?: number;
  };
}

/** One news item's score for one asset, as `@tickerml/news` scorers give it. */
export interface AssetSentiment extends SentimentScore {
  /** The asset scored, e.g. `BTC`. */
  readonly asset: string;
}

/** The agent's own state at the decision time, both fractions of the account's equity. */
export interface AgentState {
  /** Signed position value / equity (negative when short), e.g. `0.25`. */
  readonly positionFraction: number;
  /** Free cash / equity, in [0, 1] for an unlevered account. */
  readonly cashFraction: number;
}

const US = 1_000_000;
/** Trade-flow imbalance windows, µs. */
const TFI_WINDOWS_US = [1 * US, 10 * US, 60 * US] as const;
/** VWAP window, µs. */
const VWAP_WINDOW_US = 60 * US;
/** Realised volatility windows, µs. */
const VOL_WINDOWS_US = [10 * US, 60 * US] as const;
/**
 * Half width of each book's direct-indexed price window, ticks (see `L2Book`; 512 KiB per book).
 * Measured with packages/rl/bench/encoder.ts on the bundled Binance recording: 4,096 ticks left
 * much of its 1,000-level snapshots in the sorted fallback (3.0 µs per event against 1.9 µs).
 */
const BOOK_WINDOW_TICKS = 16_384;

/** One book the encoder keeps: its own instrument's, or another venue's. */
class BookSlot {
  readonly book = new L2Book({ roiHalfWidthTicks: BOOK_WINDOW_TICKS });
  /** True from a snapshot until a gap, checksum mismatch or disconnect. */
  synced = false;
  /** Depth the venue maintains (Kraken), applied after every change. */
  depth = Number.POSITIVE_INFINITY;

  constructor(
    readonly venue: string,
    readonly symbol: string,
    readonly tickSize: number,
  ) {}

  /** Applies a book or feed-health event for this book; returns true when the book changed. */
  apply(e: MarketEvent): boolean {
    switch (e.kind) {
      case 'book_snapshot':
        this.book.applySnapshot(e.bids, e.asks);
        if (e.depth !== undefined) this.depth = e.depth;
        if (this.depth !== Number.POSITIVE_INFINITY) this.book.truncate(this.depth);
        this.synced = true;
        return true;
      case 'book_delta':
        if (!this.synced) return false;
        this.book.applyDelta(e);
        if (this.depth !== Number.POSITIVE_INFINITY) this.book.truncate(this.depth);
        return true;
      case 'gap_detected':
      case 'checksum_mismatch':
      case 'disconnected':
        this.synced = false;
        return true;
      default:
        return false;
    }
  }

  /** True when the book is synchronised and two-sided with bid < ask. */
  valid(): boolean {
    if (!this.synced) return false;
    const bid = this.book.bestBid();
    const ask = this.book.bestAsk();
    return bid !== NO_BID_TICKS && ask !== NO_ASK_TICKS && bid < ask;
  }

  /** Mid price in quote currency (`NaN` when not valid). */
  midPrice(): number {
    return this.valid() ? midTicks(this.book.bestBid(), this.book.bestAsk()) * this.tickSize : Number.NaN;
  }
}

function checkFinitePositive(option: string, value: number | undefined): number {
  if (value === undefined || !(value > 0) || !Number.isFinite(value))
    throw new RlOptionError(option, 'a positive finite number', value);
  return value;
}

/**
 * Turns market events into the model's state vector. Feed every event in `localTs` order with
 * {@link StateEncoder.onEvent} (events of other instruments are ignored cheaply), and ask for the
 * vector at a decision time with {@link StateEncoder.encode}. `onEvent` is O(1) amortised per
 * event apart from the book update, and allocates nothing except when the touch price moves (one
 * small queue estimate) or a window holds more rows than ever before; `encode` is O(bookLevels).
 *
 * Features, in order (the `features` property lists the same with units and windows):
 * - `obi_1`, `obi_5`, `obi_<bookLevels>`: order-book imbalance `(Σbid − Σask) / (Σbid + Σask)` of
 *   the lots in the top n levels per side; ratio in [−1, 1]; current book at `t0`.
 * - `microprice_mid_bps`: (microprice − mid) / mid × 1e4, microprice the top-level
 *   imbalance-weighted mid; bps; current book.
 * - `spread_bps`: (ask − bid) / mid × 1e4; bps; current book.
 * - `tfi_1s`, `tfi_10s`, `tfi_60s`: trade-flow imbalance `(buy − sell) / (buy + sell)` of the
 *   aggressor lots; ratio in [−1, 1]; trades in (t0 − w, t0]; masked without trades.
 * - `vwap_dev_60s_bps`: (mid − VWAP) / VWAP × 1e4 over the trades in (t0 − 60 s, t0]; bps.
 * - `rvol_10s_bps`, `rvol_60s_bps`: realised volatility √Σr² of the mid's log returns between
 *   consecutive book events in (t0 − w, t0], × 1e4; bps over the window, not annualised; masked
 *   until the book has been watched for a whole window.
 * - `queue_ahead_bid`, `queue_ahead_ask`: estimated share of the touch level still ahead of a
 *   hypothetical order that joined the back of the best bid (ask) queue when that price became
 *   the touch (risk-averse queue model: trades at the price consume the queue ahead, cancels come
 *   from behind); fraction in [0, 1]; events since the touch price last changed.
 * - `funding_bps`: the latest funding rate of the configured perpetual × 1e4; bps per funding
 *   period; latest funding event by t0; masked without a perpetual feed.
 * - `xvenue_<venue>_bps` per cross venue: (other mid − own mid) / own mid × 1e4, quote currencies
 *   at par; bps; both current books.
 * - `position_fraction`, `cash_fraction`: the agent's state passed to `encode`.
 *
 * A book counts as present from its snapshot until a gap, checksum mismatch or disconnect, and
 * only while it is two-sided and uncrossed. An event that arrives with a `localTs` earlier than
 * one already applied (or than the last `encode` time) is applied as if received then.
 *
 * @example
 * ```ts
 * const encoder = new StateEncoder({
 *   venue: 'binance', symbol: 'BTC/USDT', tickSize: 0.01,
 *   crossVenues: [{ venue: 'kraken', symbol: 'BTC/USD', tickSize: 0.1 }],
 * });
 * for (const event of events) encoder.onEvent(event);
 * const state = encoder.encode(decisionUs, { positionFraction: 0, cashFraction: 1 });
 * state.length === encoder.dimension; // values then masks
 * ```
 */
export class StateEncoder {
  /** Layout version, {@link ENCODER_VERSION}. */
  readonly version = ENCODER_VERSION;
  /** The features in vector order (values at `i`, masks at `F + i`). */
  readonly features: readonly FeatureSpec[];
  /** Vector length, `2 × features.length`. */
  readonly dimension: number;
  /** Venue of the encoded instrument. */
  readonly venue: string;
  /** Symbol of the encoded instrument. */
  readonly symbol: string;
  /** Events applied with a `localTs` before the encoder's time (applied as if received then). */
  lateEvents = 0;

  private readonly own: BookSlot;
  /** Cross-venue books (index = cross feature index); `undefined` for venues without the asset. */
  private readonly cross: (BookSlot | undefined)[];
  /** Every book slot, own first, for routing. */
  private readonly slots: BookSlot[];
  private readonly imbalances: DepthImbalance[];
  private readonly flows: TradeFlowImbalance[];
  private readonly vwap = new RollingVwap(VWAP_WINDOW_US);
  private readonly vols: RealizedVolatility[];
  private readonly fundingVenue: string | undefined;
  private readonly fundingSymbol: string | undefined;
  private fundingBps = Number.NaN;
  private bidQueue: QueuePositionEstimate | undefined;
  private askQueue: QueuePositionEstimate | undefined;
  /** `localTs` of the first mid of the own book, µs (windows of volatility are full after it). */
  private firstMidUs = Number.NaN;
  /** Latest time seen (events and encodes), µs. */
  private timeUs = Number.NEGATIVE_INFINITY;
  private readonly nFeatures: number;
  private readonly news: { readonly asset: string; readonly feature: SentimentFeature } | undefined;

  /** @throws {RlOptionError} on a bad `bookLevels`, tick size or cross venue. */
  constructor(options: StateEncoderOptions) {
    const bookLevels = options.bookLevels ?? 10;
    if (!Number.isSafeInteger(bookLevels) || bookLevels < 1 || bookLevels > 1000)
      throw new RlOptionError('bookLevels', 'an integer in [1, 1000]', bookLevels);
    if (typeof options.venue !== 'string' || options.venue === '')
      throw new RlOptionError('venue', 'a venue id', options.venue);
    if (typeof options.symbol !== 'string' || options.symbol === '')
      throw new RlOptionError('symbol', 'a canonical symbol', options.symbol);
    this.venue = options.venue;
    this.symbol = options.symbol;
    const crossVenues = options.crossVenues ?? [];
    const needsTick = crossVenues.some((c) => c.symbol !== undefined);
    const ownTick = needsTick ? checkFinitePositive('tickSize', options.tickSize) : (options.tickSize ?? 1);
    this.own = new BookSlot(options.venue, options.symbol, ownTick);
    const seen = new Set<string>();
    this.cross = crossVenues.map((c, i) => {
      if (typeof c.venue !== 'string' || c.venue === '')
        throw new RlOptionError(`crossVenues[${i}].venue`, 'a venue id', c.venue);
      if (seen.has(c.venue)) throw new RlOptionError(`crossVenues[${i}].venue`, 'each venue once', c.venue);
      seen.add(c.venue);
      if (c.symbol === undefined) return undefined;
      if (c.venue === options.venue && c.symbol === options.symbol)
        throw new RlOptionError(`crossVenues[${i}]`, 'another instrument than the encoded one', c);
      return new BookSlot(c.venue, c.symbol, checkFinitePositive(`crossVenues[${i}].tickSize`, c.tickSize));
    });
    this.slots = [this.own, ...this.cross.filter((s): s is BookSlot => s !== undefined)];
    const levels = [...new Set([1, 5, bookLevels].filter((n) => n <= bookLevels))];
    this.imbalances = levels.map((n) => new DepthImbalance(n, 'flat'));
    this.flows = TFI_WINDOWS_US.map((w) => new TradeFlowImbalance(w));
    this.vols = VOL_WINDOWS_US.map((w) => new RealizedVolatility(w));
    this.fundingVenue = options.funding?.venue;
    this.fundingSymbol = options.funding?.symbol;
    if (options.news !== undefined && (typeof options.news.asset !== 'string' || options.news.asset === ''))
      throw new RlOptionError('news.asset', 'an asset code such as BTC', options.news.asset);
    this.news =
      options.news === undefined
        ? undefined
        : {
            asset: options.news.asset,
            feature: new SentimentFeature(
              options.news.halfLifeUs === undefined ? {} : { halfLifeUs: options.news.halfLifeUs },
            ),
          };
    const halfLife = `${(options.news?.halfLifeUs ?? 3_600_000_000) / US}s`;

    const book = 'current book at t0';
    const features: FeatureSpec[] = [
      ...levels.map((n) => ({
        name: `obi_${n}`,
        unit: 'ratio in [-1, 1]',
        window: `${book}, top ${n} level${n === 1 ? '' : 's'} per side`,
        description: `order-book imbalance (bid lots - ask lots) / (bid lots + ask lots) over the best ${n} level${n === 1 ? '' : 's'} of each side`,
      })),
      {
        name: 'microprice_mid_bps',
        unit: 'bps of mid',
        window: `${book}, top level`,
        description: '(microprice - mid) / mid x 1e4; microprice = (bid x askQty + ask x bidQty) / (bidQty + askQty)',
      },
      { name: 'spread_bps', unit: 'bps of mid', window: `${book}, top level`, description: '(ask - bid) / mid x 1e4' },
      ...TFI_WINDOWS_US.map((w) => ({
        name: `tfi_${w / US}s`,
        unit: 'ratio in [-1, 1]',
        window: `trades with localTs in (t0 - ${w / US}s, t0]`,
        description:
          'trade-flow imbalance (aggressor-buy lots - aggressor-sell lots) / total lots; masked without trades',
      })),
      {
        name: 'vwap_dev_60s_bps',
        unit: 'bps of VWAP',
        window: 'trades with localTs in (t0 - 60s, t0] and the current book',
        description: '(mid - VWAP) / VWAP x 1e4; masked without trades',
      },
      ...VOL_WINDOWS_US.map((w) => ({
        name: `rvol_${w / US}s_bps`,
        unit: 'bps over the window, not annualised',
        window: `book events with localTs in (t0 - ${w / US}s, t0]`,
        description:
          'realised volatility sqrt(sum r^2) x 1e4 of the mid log returns between consecutive book events; masked until the book was watched a whole window',
      })),
      {
        name: 'queue_ahead_bid',
        unit: 'fraction of the best bid level in [0, 1]',
        window: 'book and trade events since the best bid price last changed',
        description:
          'share of the best bid level still ahead of a hypothetical order that joined its back (risk-averse queue model)',
      },
      {
        name: 'queue_ahead_ask',
        unit: 'fraction of the best ask level in [0, 1]',
        window: 'book and trade events since the best ask price last changed',
        description:
          'share of the best ask level still ahead of a hypothetical order that joined its back (risk-averse queue model)',
      },
      {
        name: 'funding_bps',
        unit: 'bps per funding period',
        window: 'latest funding event with localTs <= t0',
        description: 'funding rate of the configured perpetual x 1e4; masked without a perpetual feed',
      },
      ...crossVenues.map((c) => ({
        name: `xvenue_${c.venue}_bps`,
        unit: 'bps of own mid',
        window: `${book} on both venues`,
        description: `(mid on ${c.venue} ${c.symbol ?? '(not listed)'} - own mid) / own mid x 1e4, quote currencies at par`,
      })),
      ...(this.news === undefined
        ? []
        : [
            {
              name: 'news_sentiment',
              unit: 'ratio in [-1, 1]',
              window: `news items with localTs <= t0 (never the publisher's time), weight halving every ${halfLife}`,
              description: `relevance- and time-weighted mean sentiment of the items about ${this.news.asset}; masked without such an item`,
            },
            {
              name: 'news_weight',
              unit: 'decayed relevance (items)',
              window: `news items with localTs <= t0, weight halving every ${halfLife}`,
              description: `sum of relevance x 2^(-age / half-life) over the items about ${this.news.asset}; masked without such an item`,
            },
          ]),
      {
        name: 'position_fraction',
        unit: 'fraction of equity',
        window: 'agent state at t0',
        description: 'signed position value / equity',
      },
      {
        name: 'cash_fraction',
        unit: 'fraction of equity',
        window: 'agent state at t0',
        description: 'free cash / equity',
      },
    ];
    this.features = features;
    this.nFeatures = features.length;
    this.dimension = 2 * features.length;
  }

  /**
   * Applies one market event. Events of instruments the encoder does not follow are ignored.
   * Allocation-free except as described on the class.
   */
  onEvent(e: MarketEvent): void {
    let ts = e.localTs;
    if (ts < this.timeUs) {
      this.lateEvents++;
      ts = this.timeUs;
    } else this.timeUs = ts;
    const own = this.own;
    if (e.venue === own.venue && e.symbol === own.symbol) {
      if (e.kind === 'trade') this.onOwnTrade(ts, e.priceTicks, e.qtyLots, e.aggressor);
      else if (own.apply(e)) this.onOwnBook(ts);
      return;
    }
    if (e.kind === 'funding_rate') {
      if (e.venue === this.fundingVenue && e.symbol === this.fundingSymbol) this.fundingBps = Number(e.rate) * 1e4;
      return;
    }
    const slots = this.slots;
    for (let i = 1; i < slots.length; i++) {
      const s = slots[i] as BookSlot;
      if (e.venue === s.venue && e.symbol === s.symbol) {
        s.apply(e);
        return;
      }
    }
  }

  /**
   * The state vector at decision time `nowUs` (µs, not before the last applied event), written
   * into `out` (allocated when absent) and returned: `features.length` values, then as many masks.
   *
   * @throws {EncodeTimeError} when `nowUs` is before an event already applied or an earlier encode.
   * @throws {RlOptionError} when `out` does not have `dimension` entries.
   */
  encode(nowUs: number, agent: AgentState, out?: Float32Array): Float32Array {
    const F = this.nFeatures;
    const v = out ?? new Float32Array(2 * F);
    if (v.length !== 2 * F) throw new RlOptionError('out', `a Float32Array of ${2 * F} entries`, v.length);
    if (!(nowUs >= this.timeUs) || !Number.isFinite(nowUs)) throw new EncodeTimeError(nowUs, this.timeUs);
    this.timeUs = nowUs;
    for (const f of this.flows) f.advance(nowUs);
    this.vwap.advance(nowUs);
    for (const vol of this.vols) vol.advance(nowUs);

    const own = this.own;
    const book = own.book;
    const ownValid = own.valid();
    const bid = book.bestBid();
    const ask = book.bestAsk();
    const mid = ownValid ? midTicks(bid, ask) : Number.NaN;
    let i = 0;
    for (const obi of this.imbalances) put(v, F, i++, ownValid ? obi.update(book) : Number.NaN);
    const micro = ownValid ? micropriceTicks(bid, book.bestBidQty(), ask, book.bestAskQty()) : Number.NaN;
    put(v, F, i++, (1e4 * (micro - mid)) / mid);
    put(v, F, i++, ownValid ? spreadBps(bid, ask) : Number.NaN);
    for (const f of this.flows) put(v, F, i++, f.value);
    put(v, F, i++, ownValid ? this.vwap.deviationBps(mid) : Number.NaN);
    for (let k = 0; k < this.vols.length; k++) {
      const vol = this.vols[k] as RealizedVolatility;
      const full = nowUs - this.firstMidUs >= (VOL_WINDOWS_US[k] as number);
      put(v, F, i++, ownValid && full ? 1e4 * vol.value : Number.NaN);
    }
    put(v, F, i++, ownValid ? queueShare(this.bidQueue, book.bestBidQty()) : Number.NaN);
    put(v, F, i++, ownValid ? queueShare(this.askQueue, book.bestAskQty()) : Number.NaN);
    put(v, F, i++, this.fundingBps);
    const ownMid = own.midPrice();
    for (const slot of this.cross) {
      const other = slot === undefined ? Number.NaN : slot.midPrice();
      put(v, F, i++, (1e4 * (other - ownMid)) / ownMid);
    }
    if (this.news !== undefined) {
      const s = this.news.feature.value(this.news.asset, nowUs);
      put(v, F, i++, s.count > 0 ? s.sentiment : Number.NaN);
      put(v, F, i++, s.count > 0 ? s.weight : Number.NaN);
    }
    put(v, F, i++, agent.positionFraction);
    put(v, F, i++, agent.cashFraction);
    return v;
  }

  /**
   * Records a scored news item for the news features (only scores of the encoder's news asset
   * count). The item counts from its `localTs` on, whatever order items arrive in relative to
   * decisions: an item first seen after a decision time never changes that decision's vector.
   * Does nothing when the encoder was built without `news`.
   */
  onNews(item: NewsItem, scores: readonly AssetSentiment[]): void {
    const news = this.news;
    if (news === undefined) return;
    for (const s of scores) if (s.asset === news.asset) news.feature.add(item, news.asset, s);
  }

  /** Index of `name` in the vector's values (its mask is at `index + features.length`), or -1. */
  indexOf(name: string): number {
    return this.features.findIndex((f) => f.name === name);
  }

  /** Mid of the encoded instrument's book, ticks (may end in .5); `NaN` while the book is absent. */
  midTicks(): number {
    const own = this.own;
    return own.valid() ? midTicks(own.book.bestBid(), own.book.bestAsk()) : Number.NaN;
  }

  /** Spread of the encoded instrument's book, bps of mid; `NaN` while the book is absent. */
  spreadBps(): number {
    const own = this.own;
    return own.valid() ? spreadBps(own.book.bestBid(), own.book.bestAsk()) : Number.NaN;
  }

  private onOwnTrade(ts: number, priceTicks: number, qtyLots: number, aggressor: 'buy' | 'sell' | 'unknown'): void {
    for (const f of this.flows) f.onTrade(ts, qtyLots, aggressor);
    this.vwap.onTrade(ts, priceTicks, qtyLots);
    this.bidQueue?.onTrade(priceTicks, qtyLots);
    this.askQueue?.onTrade(priceTicks, qtyLots);
  }

  private onOwnBook(ts: number): void {
    const own = this.own;
    if (!own.valid()) {
      for (const vol of this.vols) vol.advance(ts);
      return;
    }
    const book = own.book;
    const bid = book.bestBid();
    const ask = book.bestAsk();
    const mid = midTicks(bid, ask);
    if (Number.isNaN(this.firstMidUs)) this.firstMidUs = ts;
    for (const vol of this.vols) vol.onPrice(ts, mid);
    const bidQty = book.bestBidQty();
    const askQty = book.bestAskQty();
    if (this.bidQueue === undefined || this.bidQueue.priceTicks !== bid)
      this.bidQueue = new QueuePositionEstimate('bid', bid, bidQty);
    else this.bidQueue.onLevel(bid, bidQty);
    if (this.askQueue === undefined || this.askQueue.priceTicks !== ask)
      this.askQueue = new QueuePositionEstimate('ask', ask, askQty);
    else this.askQueue.onLevel(ask, askQty);
  }
}

function queueShare(queue: QueuePositionEstimate | undefined, levelQtyLots: number): number {
  if (queue === undefined || levelQtyLots <= 0) return Number.NaN;
  return Math.min(1, queue.queueAheadLots / levelQtyLots);
}

/** Writes value `i` and its mask: a finite value with mask 1, else 0 with mask 0. */
function put(v: Float32Array, F: number, i: number, value: number): void {
  if (Number.isFinite(value)) {
    v[i] = value;
    v[F + i] = 1;
  } else {
    v[i] = 0;
    v[F + i] = 0;
  }
}
