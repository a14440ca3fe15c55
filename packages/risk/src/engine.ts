/**
 * The risk engine: every order intent goes through it and comes back accepted, resized or
 * rejected, with the rules that acted and their numbers.
 *
 * Rules, in the order they are applied:
 * 1. `emergency_stop`: the drawdown stop is in force → reject (orders that only reduce a position pass);
 * 2. `circuit_breaker`: the venue or symbol is halted → reject (reductions pass);
 * 3. `vol_regime`: the instrument's volatility regime scales the size caps below (extreme → 0: reject);
 * 4. `kelly`: when the intent carries an edge estimate, the position may not exceed
 *    `kellyFraction × edge / variance` of equity (net of costs and expected funding);
 * 5. `max_position`: the position may not exceed `maxPositionFraction × regimeScale` of equity;
 * 6. `correlation`: for each held instrument whose returns correlate more than the threshold with
 *    the candidate's, the added exposure is scaled by `(1 - |ρ|) / (1 - threshold)`;
 * 7. `min_size`: a result below one lot is rejected, naming the rule that shrank it.
 *
 * Returns are sampled from mids on a fixed grid of `returnIntervalUs` (default 1 s), so the
 * correlation and volatility figures of different instruments are aligned in time.
 *
 * @module
 */
import { CircuitBreakers, type Halt } from './breakers.js';
import { correlationScale, RollingCorrelation } from './correlation.js';
import { DrawdownGuard, type DrawdownStatus } from './drawdown.js';
import { type KellyInputs, kellyFraction } from './kelly.js';
import { type RiskLimits, resolveRiskLimits, VolRegime } from './limits.js';
import { ReturnStdDev, VolRegimeClassifier } from './volatility.js';

/** An order a strategy wants to place, before risk. */
export interface OrderIntent {
  /** Venue id, e.g. `binanceus`. */
  readonly venue: string;
  /** Canonical symbol, e.g. `BTC/USDT`. */
  readonly symbol: string;
  /** `buy` adds to a long or reduces a short; `sell` the reverse. */
  readonly side: 'buy' | 'sell';
  /** Requested quantity in lots (> 0). */
  readonly qtyLots: number;
  /** Base-currency quantity of one lot (e.g. 0.00001 BTC). */
  readonly lotSize: number;
  /** Expected execution price, quote currency per base unit. */
  readonly price: number;
  /** Edge estimate for Kelly sizing (omit to skip the Kelly rule). `fraction` is taken from the limits. */
  readonly kelly?: Omit<KellyInputs, 'fraction'>;
}

/** What the engine needs to know about the account at decision time. */
export interface RiskContext {
  /** Decision time, µs. */
  readonly tsUs: number;
  /** Account equity in quote currency. */
  readonly equity: number;
  /** Signed positions in base units per `venue|symbol` key (see {@link positionKey}). */
  readonly positions: ReadonlyMap<string, number>;
}

/** The outcome of one rule. */
export interface RuleOutcome {
  readonly rule: RiskRule;
  readonly action: 'pass' | 'resize' | 'reject';
  /** Human-readable reason with the numbers. */
  readonly detail: string;
  /** Largest quantity in lots this rule allows (where it caps size). */
  readonly maxQtyLots?: number;
}

/** The engine's rules. */
export const RiskRule = {
  EmergencyStop: 'emergency_stop',
  CircuitBreaker: 'circuit_breaker',
  VolRegime: 'vol_regime',
  Kelly: 'kelly',
  MaxPosition: 'max_position',
  Correlation: 'correlation',
  MinSize: 'min_size',
} as const;
export type RiskRule = (typeof RiskRule)[keyof typeof RiskRule];

/** The engine's answer. */
export interface RiskDecision {
  readonly action: 'accepted' | 'resized' | 'rejected';
  readonly requestedQtyLots: number;
  /** Quantity allowed, in lots (0 when rejected). */
  readonly qtyLots: number;
  /** The rule that decided a resize or a rejection. */
  readonly decidedBy?: RiskRule;
  /** Every rule evaluated, in order. */
  readonly rules: readonly RuleOutcome[];
  /** One line: what happened and why. */
  readonly reason: string;
}

/** Key of a position or instrument in {@link RiskContext.positions}. */
export const positionKey = (venue: string, symbol: string): string => `${venue}|${symbol}`;

interface Series {
  bucket: number;
  lastMid: number;
  bucketStartMid: number;
  vol: ReturnStdDev;
  regime: VolRegimeClassifier;
  pendingReturn: number;
  /** The series restarted ({@link RiskEngine.rebase}): the next mid's step is not a return. */
  rebased: boolean;
}

/** Snapshot of the engine's state for dashboards and logs. */
export interface RiskState {
  readonly drawdown: number;
  readonly peakEquity: number;
  readonly emergencyStop: boolean;
  readonly halts: readonly Halt[];
  readonly regimes: Readonly<Record<string, VolRegime>>;
}

/**
 * @example
 * const risk = new RiskEngine();
 * risk.observeMid('binanceus', 'BTC/USDT', 65000, ts);
 * const d = risk.evaluate({ venue: 'binanceus', symbol: 'BTC/USDT', side: 'buy', qtyLots: 10_000, lotSize: 0.00001, price: 65000 },
 *   { tsUs: ts, equity: 10_000, positions: new Map() });
 * d.action; // 'resized' (0.1 BTC is 65 % of equity; capped at 25 %)
 */
export class RiskEngine {
  readonly limits: RiskLimits;
  readonly breakers: CircuitBreakers;
  readonly drawdown: DrawdownGuard;
  readonly #series = new Map<string, Series>();
  readonly #pairs = new Map<string, RollingCorrelation>();

  constructor(
    limits: RiskLimits = resolveRiskLimits(),
    /** Grid on which returns are sampled, µs. */
    readonly returnIntervalUs = 1_000_000,
    /** Returns per realised-volatility estimate. */
    readonly volWindow = 60,
  ) {
    this.limits = limits;
    this.breakers = new CircuitBreakers(limits.breakers);
    this.drawdown = new DrawdownGuard(limits.maxDrawdown);
  }

  /** Feeds a mid price (quote currency) of an instrument at `tsUs`; drives correlation and volatility. */
  observeMid(venue: string, symbol: string, mid: number, tsUs: number): void {
    if (!(mid > 0)) return;
    const k = positionKey(venue, symbol);
    const bucket = Math.floor(tsUs / this.returnIntervalUs);
    let s = this.#series.get(k);
    if (!s) {
      s = {
        bucket,
        lastMid: mid,
        bucketStartMid: mid,
        vol: new ReturnStdDev(this.volWindow),
        regime: new VolRegimeClassifier(this.limits.volRegimePercentiles),
        pendingReturn: Number.NaN,
        rebased: false,
      };
      this.#series.set(k, s);
      return;
    }
    if (bucket > s.bucket) this.#closeBucket(k, s, bucket);
    if (s.rebased) {
      // Take the step out of the open bucket's return: it starts again from the new level.
      s.bucketStartMid *= mid / s.lastMid;
      s.rebased = false;
    }
    s.lastMid = mid;
  }

  /**
   * The instrument's price series restarts (a book rebuilt after a resync, a replayed recording
   * re-anchored at its loop): the step to the next mid is neither a price jump nor a return of
   * the volatility estimate.
   *
   * @example
   * risk.rebase('binance', 'BTC/USDT');
   */
  rebase(venue: string, symbol: string): void {
    this.breakers.rebase(venue, symbol);
    const s = this.#series.get(positionKey(venue, symbol));
    if (s) s.rebased = true;
  }

  /** Standard deviation of the instrument's sampled returns (per `returnIntervalUs`), or NaN before two returns. */
  volatility(venue: string, symbol: string): number {
    const s = this.#series.get(positionKey(venue, symbol));
    return s === undefined || s.vol.count < 2 ? Number.NaN : s.vol.value();
  }

  #closeBucket(k: string, s: Series, bucket: number): void {
    const ret = Math.log(s.lastMid / s.bucketStartMid);
    s.vol.push(ret);
    s.regime.push(s.vol.value());
    s.pendingReturn = ret;
    s.bucket = bucket;
    s.bucketStartMid = s.lastMid;
    // Pair this return with the other instruments' return for the same bucket when they have one.
    for (const [otherKey, other] of this.#series) {
      if (otherKey === k || other.bucket !== bucket || Number.isNaN(other.pendingReturn)) continue;
      this.#pair(k, otherKey).push(...ordered(k, otherKey, ret, other.pendingReturn));
    }
  }

  #pair(a: string, b: string): RollingCorrelation {
    const pk = a < b ? `${a}~${b}` : `${b}~${a}`;
    let c = this.#pairs.get(pk);
    if (!c) {
      c = new RollingCorrelation(this.limits.correlationWindow);
      this.#pairs.set(pk, c);
    }
    return c;
  }

  /** Rolling correlation of two instruments' returns (NaN until enough data). */
  correlation(a: string, b: string): number {
    const pk = a < b ? `${a}~${b}` : `${b}~${a}`;
    return this.#pairs.get(pk)?.value() ?? Number.NaN;
  }

  /** The volatility regime of an instrument (normal until enough history). */
  regime(venue: string, symbol: string): VolRegime {
    return this.#series.get(positionKey(venue, symbol))?.regime.regime() ?? VolRegime.Normal;
  }

  /** Records account equity; trips the emergency stop at the drawdown limit. */
  updateEquity(equity: number, tsUs: number): DrawdownStatus {
    return this.drawdown.update(equity, tsUs);
  }

  /** Lifts the emergency stop (an explicit operator action). */
  resetEmergencyStop(equity: number): void {
    this.drawdown.reset(equity);
  }

  /** Decides on an order intent. Never throws for a well-formed intent; every refusal names its rule. */
  evaluate(intent: OrderIntent, ctx: RiskContext): RiskDecision {
    const rules: RuleOutcome[] = [];
    const requested = intent.qtyLots;
    if (!(Number.isSafeInteger(requested) && requested > 0)) {
      return reject(
        requested,
        rules,
        RiskRule.MinSize,
        `quantity must be a positive integer of lots, was ${requested}`,
      );
    }
    const k = positionKey(intent.venue, intent.symbol);
    const position = ctx.positions.get(k) ?? 0;
    const dir = intent.side === 'buy' ? 1 : -1;
    const qtyBase = requested * intent.lotSize;
    // A pure reduction (opposite to the position, not past flat) is never blocked: it lowers risk.
    const reducing = position * dir < 0 && qtyBase <= Math.abs(position) + 1e-12;

    if (this.drawdown.tripped && !reducing) {
      return reject(
        requested,
        rules,
        RiskRule.EmergencyStop,
        `emergency stop in force since drawdown reached ${(this.drawdown.drawdown * 100).toFixed(2)} % ≥ ${this.limits.maxDrawdown * 100} %; reset required`,
      );
    }
    rules.push({
      rule: RiskRule.EmergencyStop,
      action: 'pass',
      detail: `drawdown ${(this.drawdown.drawdown * 100).toFixed(2)} %`,
    });

    const halts = this.breakers.haltsFor(intent.venue, intent.symbol, ctx.tsUs);
    // haltsFor has already lifted every halt whose cooldown ran out: what it returns is in force.
    if (halts.length > 0 && !reducing) {
      const h = halts[0] as Halt;
      return reject(
        requested,
        rules,
        RiskRule.CircuitBreaker,
        `${h.rule} halts ${h.venue}${h.symbol ? ` ${h.symbol}` : ''}: ${h.detail}`,
      );
    }
    rules.push({ rule: RiskRule.CircuitBreaker, action: 'pass', detail: 'no halt' });

    if (reducing) {
      return {
        action: 'accepted',
        requestedQtyLots: requested,
        qtyLots: requested,
        rules,
        reason: 'reduces an existing position',
      };
    }

    let allowed = requested;
    let decidedBy: RiskRule | undefined;
    const cap = (rule: RiskRule, maxLots: number, detail: string): void => {
      const m = Math.max(0, Math.floor(maxLots + 1e-9));
      if (m < allowed) {
        allowed = m;
        decidedBy = rule;
        rules.push({ rule, action: 'resize', detail, maxQtyLots: m });
      } else {
        rules.push({ rule, action: 'pass', detail, maxQtyLots: m });
      }
    };
    const lotNotional = intent.lotSize * intent.price;
    const equity = Math.max(0, ctx.equity);
    // Room, in lots, for a position whose absolute notional may reach `fraction × equity`.
    const room = (fraction: number): number => {
      const maxBase = (fraction * equity) / intent.price;
      const after = Math.max(0, maxBase - Math.max(0, position * dir));
      return after / intent.lotSize;
    };

    const regime = this.regime(intent.venue, intent.symbol);
    const scale = this.limits.volRegimeScale[regime];
    if (scale <= 0) {
      return reject(requested, rules, RiskRule.VolRegime, `volatility regime ${regime} allows no new exposure`);
    }
    rules.push({
      rule: RiskRule.VolRegime,
      action: scale < 1 ? 'resize' : 'pass',
      detail: `regime ${regime}, limits × ${scale}`,
    });

    if (intent.kelly) {
      const kelly = kellyFraction({ ...intent.kelly, fraction: this.limits.kellyFraction });
      if (kelly.equityFraction <= 0) {
        return reject(
          requested,
          rules,
          RiskRule.Kelly,
          `net edge ${kelly.netEdge.toExponential(3)} ≤ 0 after costs and funding`,
        );
      }
      const f = kelly.equityFraction * scale;
      cap(
        RiskRule.Kelly,
        room(f),
        `${this.limits.kellyFraction} × Kelly = ${(f * 100).toFixed(2)} % of equity ${equity.toFixed(2)}`,
      );
    }

    const maxFrac = this.limits.maxPositionFraction * scale;
    cap(
      RiskRule.MaxPosition,
      room(maxFrac),
      `position ≤ ${(maxFrac * 100).toFixed(2)} % of equity ${equity.toFixed(2)}`,
    );

    let worst = 1;
    let worstDetail = 'no correlated holding';
    for (const [heldKey, heldQty] of ctx.positions) {
      if (heldKey === k || heldQty === 0) continue;
      const rho = this.correlation(k, heldKey);
      // Adding exposure in the same direction as a positively correlated holding (or against a negatively
      // correlated one) concentrates risk; the opposite hedges it and is not reduced.
      const concentrating = (Number.isNaN(rho) ? 0 : rho) * Math.sign(heldQty) * dir > 0;
      const s = concentrating ? correlationScale(rho, this.limits.correlationThreshold) : 1;
      if (s < worst) {
        worst = s;
        worstDetail = `ρ(${k}, ${heldKey}) = ${rho.toFixed(3)} > ${this.limits.correlationThreshold}: size × ${s.toFixed(3)}`;
      }
    }
    cap(RiskRule.Correlation, requested * worst, worstDetail);

    if (allowed < 1) {
      return reject(
        requested,
        rules,
        decidedBy ?? RiskRule.MinSize,
        `below one lot after ${decidedBy ?? 'sizing'} (${(lotNotional).toPrecision(4)} per lot)`,
      );
    }
    const action = allowed < requested ? 'resized' : 'accepted';
    return {
      action,
      requestedQtyLots: requested,
      qtyLots: allowed,
      ...(decidedBy !== undefined && action === 'resized' ? { decidedBy } : {}),
      rules,
      reason: action === 'resized' ? `resized ${requested} → ${allowed} lots by ${decidedBy}` : 'within every limit',
    };
  }

  /** State for dashboards. */
  state(): RiskState {
    const regimes: Record<string, VolRegime> = {};
    for (const [k, s] of this.#series) regimes[k] = s.regime.regime();
    return {
      drawdown: this.drawdown.drawdown,
      peakEquity: this.drawdown.peakEquity,
      emergencyStop: this.drawdown.tripped,
      halts: this.breakers.allHalts(),
      regimes,
    };
  }
}

function ordered(k: string, other: string, ret: number, otherRet: number): [number, number] {
  return k < other ? [ret, otherRet] : [otherRet, ret];
}

function reject(requested: number, rules: RuleOutcome[], rule: RiskRule, detail: string): RiskDecision {
  rules.push({ rule, action: 'reject', detail, maxQtyLots: 0 });
  return {
    action: 'rejected',
    requestedQtyLots: requested,
    qtyLots: 0,
    decidedBy: rule,
    rules,
    reason: `rejected by ${rule}: ${detail}`,
  };
}
