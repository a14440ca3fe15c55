/**
 * The Decision Transformer as a strategy: the same `StateEncoder` as the datasets, a rolling
 * K-step context, a target return-to-go decremented by the realised reward, and the model's
 * action, size and risk turned into orders that go through the risk gate like any strategy's.
 * The model is a policy.onnx on onnxruntime-node; a new file at the model path is loaded, checked
 * and swapped in between decisions, and a bad one is refused while the old model keeps deciding.
 *
 * @module
 */
import { stat } from 'node:fs/promises';
import type { MarketEvent } from '@tickerml/core';
import {
  NO_ASK,
  NO_BID,
  type OrderEdge,
  type Strategy,
  type StrategyContext,
  type TimerFired,
} from '@tickerml/execution';
import { type AgentState, ENCODER_VERSION, StateEncoder, type StateEncoderOptions } from '../encoder.js';
import { ACTIONS, type ActionName } from '../model/architecture.js';
import { OnnxPolicyModel, PolicyModelError } from './onnx-model.js';

/** One decision of the policy, as recorded for the dashboard, logs and the decision table. */
export interface PolicyDecision {
  /** Decision time, µs. */
  readonly atUs: number;
  readonly venue: string;
  readonly symbol: string;
  /** The model version (from the file's metadata) and its as-of time, µs. */
  readonly modelVersion: string;
  readonly modelAsOfUs: number;
  /** The file the model came from. */
  readonly modelPath: string;
  /** Probabilities of sell, hold, buy. */
  readonly actionProbs: readonly [number, number, number];
  /** The model's action (argmax). */
  readonly action: ActionName;
  /** The action sent: `hold` when the model's action was below `minSize` or blocked by the position cap. */
  readonly sent: ActionName;
  /** The model's size in [0, 1] and the order size it gave, lots (0 for hold). */
  readonly size: number;
  readonly qtyLots: number;
  /** The most likely risk bucket and the bucket probabilities. */
  readonly riskBucket: number;
  readonly riskProbs: readonly number[];
  /** The return-to-go the model was asked for at this step, and the return realised so far (fractions of starting equity). */
  readonly targetReturnToGo: number;
  readonly realisedReturn: number;
  /** The edge attached to the order for the risk gate's Kelly rule, when one was sent. */
  readonly edge: OrderEdge | undefined;
  /** Time spent in onnxruntime for this decision, ms (0 without a stopwatch). */
  readonly inferenceMs: number;
  /** The order sent, when one was. */
  readonly orderId: string | undefined;
}

/** The inputs of a decision, copied as fed to the model, with what it gave. */
export interface DecisionInputs {
  /** Model version that decided. */
  readonly version: string;
  /** `K × stateDim` raw encoder vectors, `K × 3` one-hot actions, `K` returns-to-go, `K` mask. */
  readonly states: Float32Array;
  readonly actions: Float32Array;
  readonly returnsToGo: Float32Array;
  readonly mask: Float32Array;
  /** The model's probabilities of sell, hold, buy, and its action index. */
  readonly actionProbs: Float32Array;
  readonly action: number;
}

/** A model file was swapped in, or refused (the old model keeps deciding). */
export type ModelChange =
  | { readonly kind: 'loaded'; readonly path: string; readonly version: string; readonly previousVersion: string }
  | { readonly kind: 'refused'; readonly path: string; readonly error: Error; readonly keptVersion: string };

/** Options of {@link DecisionTransformerPolicy}. */
export interface DecisionTransformerPolicyOptions {
  /** The traded (and encoded) instrument. */
  readonly venue: string;
  readonly symbol: string;
  /** The rest of the encoder's options (cross venues, funding, book levels, tick size). */
  readonly encoder?: Omit<StateEncoderOptions, 'venue' | 'symbol'>;
  /** The loaded model (see {@link OnnxPolicyModel.load}). */
  readonly model: OnnxPolicyModel;
  /**
   * The file to watch for hot reload; defaults to `model.path`. Replace it atomically (write a
   * temporary file, then rename it over this path).
   */
  readonly modelPath?: string;
  /** Time between decisions, µs. Default 1 s (the dataset's interval). */
  readonly decisionIntervalUs?: number;
  /** Time between checks of the model file, µs; 0 turns hot reload off. Default 5 s. */
  readonly modelCheckIntervalUs?: number;
  /** The target return-to-go at the start, a fraction of starting equity. Default: the model's default target. */
  readonly targetReturn?: number;
  /** Largest absolute position, lots; an order is `size × capLots` lots (at least 1). */
  readonly capLots: number;
  /** Sizes below this are held. Default 0.05. */
  readonly minSize?: number;
  /** Milliseconds from a monotonic clock, to time inference (the app passes `performance.now`). */
  readonly stopwatchMs?: () => number;
  /** Called after every decision. */
  readonly onDecision?: (decision: PolicyDecision) => void;
  /** Called when a model file was swapped in or refused. */
  readonly onModelChange?: (change: ModelChange) => void;
}

const DECIDE_TIMER = 'dt.decide';
const MODEL_TIMER = 'dt.model-check';
const RVOL_FEATURE = 'rvol_60s_bps';

interface FileSignature {
  readonly mtimeMs: number;
  readonly size: number;
  readonly ino: number;
}

function sameFile(a: FileSignature | undefined, b: FileSignature): boolean {
  return a !== undefined && a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino;
}

/**
 * The Decision Transformer policy. Decides on a timer: encode the state, append it to the context
 * with the remaining target return-to-go, run the model, and take the touch with an IOC of
 * `size × capLots` lots in the model's direction (within the position cap; spot sells only what
 * is held). The order carries an edge for the risk gate's Kelly rule:
 * `(p(side) − p(opposite)) × σ` with variance `σ²`, σ the encoder's 60 s realised volatility
 * (none while it is unknown).
 *
 * @example
 * ```ts
 * const model = await OnnxPolicyModel.load('models/demo/policy.onnx', { encoderVersion: String(ENCODER_VERSION) });
 * const policy = new DecisionTransformerPolicy({ venue: 'binance', symbol: 'BTC/USDT', model, capLots: 300 });
 * ```
 */
export class DecisionTransformerPolicy implements Strategy {
  readonly name = 'decision-transformer';
  /** The encoder, fed every market event. */
  readonly encoder: StateEncoder;
  /** The last decision, or `undefined` before the first. */
  lastDecision: PolicyDecision | undefined;
  /** The inputs and outputs of the last decision (for the in-browser check), or `undefined`. */
  lastInputs: DecisionInputs | undefined;
  /** The last refused model file, or `undefined`. */
  lastModelError: Error | undefined;

  private model: OnnxPolicyModel;
  private pending: OnnxPolicyModel | undefined;
  private readonly modelPath: string;
  private loadedSignature: FileSignature | undefined;
  private refusedSignature: FileSignature | undefined;
  private checking: Promise<void> | undefined;
  private states = new Float32Array(0);
  private actions = new Float32Array(0);
  private returnsToGo = new Float32Array(0);
  private mask = new Float32Array(0);
  private readonly vector: Float32Array;
  private startingEquity = Number.NaN;
  private lastEquity = Number.NaN;
  private remaining: number;
  private realised = 0;
  private readonly rvolIndex: number;

  /** @throws {@link PolicyModelError} when the model's state length is not the encoder's. */
  constructor(private readonly options: DecisionTransformerPolicyOptions) {
    this.encoder = new StateEncoder({ ...options.encoder, venue: options.venue, symbol: options.symbol });
    this.model = options.model;
    this.modelPath = options.modelPath ?? options.model.path;
    if (options.model.info.stateDim !== this.encoder.dimension) {
      throw new PolicyModelError(
        options.model.path,
        `model takes ${options.model.info.stateDim} state entries, the encoder gives ${this.encoder.dimension}`,
      );
    }
    const trained = options.model.info.features.map((f) => f.name);
    const ours = this.encoder.features.map((f) => f.name);
    if (trained.length > 0 && trained.join(',') !== ours.join(',')) {
      const i = trained.findIndex((name, j) => name !== ours[j]);
      throw new PolicyModelError(
        options.model.path,
        `model features differ from the encoder's at ${i}: model '${trained[i] ?? '(none)'}', encoder '${ours[i] ?? '(none)'}' (configure the encoder's cross venues as in training)`,
      );
    }
    this.vector = new Float32Array(this.encoder.dimension);
    this.remaining = options.targetReturn ?? options.model.info.defaultTarget;
    this.rvolIndex = this.encoder.indexOf(RVOL_FEATURE);
    this.resetContext();
  }

  /** The model deciding now. */
  get currentModel(): OnnxPolicyModel {
    return this.model;
  }

  private resetContext(): void {
    const k = this.model.info.context;
    this.states = new Float32Array(k * this.encoder.dimension);
    this.actions = new Float32Array(k * 3);
    this.returnsToGo = new Float32Array(k);
    this.mask = new Float32Array(k);
  }

  onStart(ctx: StrategyContext): void {
    ctx.setTimer(DECIDE_TIMER, this.options.decisionIntervalUs ?? 1_000_000);
    const check = this.options.modelCheckIntervalUs ?? 5_000_000;
    if (check > 0) ctx.setTimer(MODEL_TIMER, check);
    void stat(this.modelPath).then(
      (s) => {
        this.loadedSignature ??= { mtimeMs: s.mtimeMs, size: s.size, ino: s.ino };
      },
      () => undefined,
    );
  }

  onEvent(e: MarketEvent): void {
    this.encoder.onEvent(e);
  }

  onTimer(timer: TimerFired, ctx: StrategyContext): void {
    if (timer.name === DECIDE_TIMER) this.decide(ctx);
    else if (timer.name === MODEL_TIMER) void this.checkModelFile();
  }

  /**
   * Checks the model file now: when it changed since the loaded model, loads and checks it; the
   * swap happens before the next decision. Resolves when the check is done (a refusal resolves
   * too: see {@link DecisionTransformerPolicy.lastModelError} and `onModelChange`).
   */
  checkModelFile(): Promise<void> {
    this.checking ??= this.runCheck().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async runCheck(): Promise<void> {
    let signature: FileSignature;
    try {
      const s = await stat(this.modelPath);
      signature = { mtimeMs: s.mtimeMs, size: s.size, ino: s.ino };
    } catch {
      return; // a file being replaced is briefly absent; the old model keeps deciding
    }
    if (sameFile(this.loadedSignature, signature) || sameFile(this.refusedSignature, signature)) return;
    try {
      const next = await OnnxPolicyModel.load(this.modelPath, {
        encoderVersion: String(ENCODER_VERSION),
        stateDim: this.encoder.dimension,
      });
      this.pending?.dispose();
      this.pending = next;
      this.loadedSignature = signature;
    } catch (error) {
      this.refusedSignature = signature;
      this.lastModelError = error instanceof Error ? error : new Error(String(error));
      this.options.onModelChange?.({
        kind: 'refused',
        path: this.modelPath,
        error: this.lastModelError,
        keptVersion: (this.pending ?? this.model).info.version,
      });
    }
  }

  private swapIfPending(): void {
    const next = this.pending;
    if (next === undefined) return;
    this.pending = undefined;
    const previous = this.model;
    this.model = next;
    if (next.info.context !== previous.info.context) this.resetContext();
    previous.dispose();
    this.options.onModelChange?.({
      kind: 'loaded',
      path: next.path,
      version: next.info.version,
      previousVersion: previous.info.version,
    });
  }

  private markedEquity(ctx: StrategyContext, mid: number): { equity: number; agent: AgentState } {
    const instrument = ctx.instrument(this.options.venue, this.options.symbol);
    const position = ctx.portfolio.position(instrument);
    const atom = Number(instrument.tickLotAtoms);
    const positionValue = position.qtyLots * mid * atom;
    const cash = ctx.portfolio.hasAccount(this.options.venue)
      ? Number(ctx.portfolio.cashAtoms(this.options.venue, instrument.quote))
      : 0;
    const equity = instrument.perpetual ? Number(ctx.portfolio.equityAtoms()) : cash + positionValue;
    return {
      equity,
      agent: {
        positionFraction: equity > 0 ? positionValue / equity : 0,
        cashFraction: equity > 0 ? Math.max(0, Math.min(1, cash / equity)) : 0,
      },
    };
  }

  private decide(ctx: StrategyContext): void {
    this.swapIfPending();
    const mid = this.encoder.midTicks();
    if (!Number.isFinite(mid)) return;
    const now = ctx.nowUs();
    const { equity, agent } = this.markedEquity(ctx, mid);
    if (Number.isNaN(this.startingEquity)) {
      this.startingEquity = equity;
      this.lastEquity = equity;
    }
    const reward = this.startingEquity > 0 ? (equity - this.lastEquity) / this.startingEquity : 0;
    this.lastEquity = equity;
    this.realised += reward;
    this.remaining -= reward;

    const model = this.model;
    const k = model.info.context;
    const s = this.encoder.dimension;
    this.encoder.encode(now, agent, this.vector);
    this.states.copyWithin(0, s);
    this.states.set(this.vector, (k - 1) * s);
    this.actions.copyWithin(0, 3);
    this.actions.fill(0, (k - 1) * 3);
    this.returnsToGo.copyWithin(0, 1);
    this.returnsToGo[k - 1] = this.remaining;
    this.mask.copyWithin(0, 1);
    this.mask[k - 1] = 1;

    const watch = this.options.stopwatchMs;
    const t0 = watch?.() ?? 0;
    const out = model.infer(this.states, this.actions, this.returnsToGo, this.mask);
    const inferenceMs = watch === undefined ? 0 : watch() - t0;

    const p = out.actionProbs;
    const pSell = p[0] as number;
    const pHold = p[1] as number;
    const pBuy = p[2] as number;
    const actionIndex = pSell >= pHold && pSell >= pBuy ? 0 : pHold >= pBuy ? 1 : 2;
    let riskBucket = 0;
    for (let i = 1; i < out.riskProbs.length; i++) {
      if ((out.riskProbs[i] as number) > (out.riskProbs[riskBucket] as number)) riskBucket = i;
    }
    let sentIndex = 1;
    let qtyLots = 0;
    let orderId: string | undefined;
    let edge: OrderEdge | undefined;
    if (actionIndex !== 1 && out.size >= (this.options.minSize ?? 0.05)) {
      const side = actionIndex === 2 ? 'buy' : 'sell';
      const placed = this.placeOrder(ctx, side, out.size, side === 'buy' ? pBuy - pSell : pSell - pBuy);
      if (placed !== undefined) {
        sentIndex = actionIndex;
        ({ qtyLots, orderId, edge } = placed);
      }
    }
    this.lastInputs = {
      version: model.info.version,
      states: this.states.slice(),
      actions: this.actions.slice(),
      returnsToGo: this.returnsToGo.slice(),
      mask: this.mask.slice(),
      actionProbs: Float32Array.from(p),
      action: actionIndex,
    };
    this.actions[(k - 1) * 3 + sentIndex] = 1;

    const decision: PolicyDecision = {
      atUs: now,
      venue: this.options.venue,
      symbol: this.options.symbol,
      modelVersion: model.info.version,
      modelAsOfUs: model.info.asOfUs,
      modelPath: model.path,
      actionProbs: [pSell, pHold, pBuy],
      action: ACTIONS[actionIndex] as ActionName,
      sent: ACTIONS[sentIndex] as ActionName,
      size: out.size,
      qtyLots,
      riskBucket,
      riskProbs: Array.from(out.riskProbs),
      targetReturnToGo: this.remaining,
      realisedReturn: this.realised,
      edge,
      inferenceMs,
      orderId,
    };
    this.lastDecision = decision;
    this.options.onDecision?.(decision);
  }

  private placeOrder(
    ctx: StrategyContext,
    side: 'buy' | 'sell',
    size: number,
    probabilityEdge: number,
  ): { qtyLots: number; orderId: string; edge: OrderEdge | undefined } | undefined {
    const { venue, symbol, capLots } = this.options;
    if (ctx.openOrders(venue, symbol).length > 0) return undefined;
    const book = ctx.book(venue, symbol);
    const bid = book.bestBid();
    const ask = book.bestAsk();
    if (bid === NO_BID || ask === NO_ASK) return undefined;
    const instrument = ctx.instrument(venue, symbol);
    const position = ctx.portfolio.position(instrument).qtyLots;
    let qtyLots = Math.max(1, Math.round(size * capLots));
    if (side === 'buy') qtyLots = Math.min(qtyLots, capLots - position);
    else qtyLots = instrument.perpetual ? Math.min(qtyLots, capLots + position) : Math.min(qtyLots, position);
    if (qtyLots <= 0) return undefined;
    let edge: OrderEdge | undefined;
    if (this.rvolIndex >= 0 && this.vector[this.encoder.features.length + this.rvolIndex] === 1) {
      const sigma = (this.vector[this.rvolIndex] as number) / 1e4;
      if (sigma > 0) edge = { edge: probabilityEdge * sigma, variance: sigma * sigma };
    }
    const orderId = ctx.placeOrder({
      venue,
      symbol,
      side,
      type: 'ioc',
      priceTicks: side === 'buy' ? ask : bid,
      qtyLots,
      tag: `dt-${side}`,
      ...(edge === undefined ? {} : { edge }),
    });
    return { qtyLots, orderId, edge };
  }

  onEnd(): void {
    this.pending?.dispose();
    this.pending = undefined;
  }
}
