/**
 * The pi-trader's Decision Transformer: the policy.onnx it loads (the bundled demo model unless
 * `--model` names another), the strategy built on it, and what the dashboard shows of it. Kept
 * apart from app.ts so the wiring there stays one call.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import type { Logger } from '@tickerml/core';
import type { DashboardUpdate, ModelView } from '@tickerml/dashboard';
import { type BaselineMarket, lotsForNotional } from '@tickerml/execution';
import {
  DecisionTransformerPolicy,
  ENCODER_VERSION,
  type ModelChange,
  OnnxPolicyModel,
  type PolicyDecision,
} from '@tickerml/rl';

/** The strategy name that selects the Decision Transformer (`--strategy dt`, the default). */
export const DT_STRATEGY = 'dt';

/**
 * The demo model shipped in the repo: a small Decision Transformer trained by `pc-trainer` on
 * minutes of the bundled Binance recording (examples/pi-trader/models/demo/README.md says how it
 * was built and what it is; it is a demo, not a trading model).
 */
export const DEMO_MODEL_PATH = fileURLToPath(new URL('../models/demo/policy.onnx', import.meta.url));

/** Loads a policy file for this box's encoder; refuses another encoder version by name. */
export async function loadPolicyModel(path: string): Promise<OnnxPolicyModel> {
  return OnnxPolicyModel.load(path, { encoderVersion: String(ENCODER_VERSION) });
}

/**
 * The Decision Transformer of one pi-trader run: the loaded model, the strategy built on it when
 * the first book gives the reference price, its decisions (logged with the model version and
 * outputs) and what the dashboard shows.
 */
export class PolicyRuntime {
  /** The strategy, once {@link strategy} built it. */
  policy: DecisionTransformerPolicy | undefined;
  private readonly latency = new LatencyWindow();
  private lastError: string | undefined;
  private lastRefusedPath: string | undefined;
  private decisions = 0;
  private shownDecisions = 0;

  private constructor(
    private readonly model: OnnxPolicyModel,
    private readonly demo: boolean,
    private readonly logger: Logger,
    private readonly stopwatchMs: () => number,
  ) {}

  /**
   * Loads `modelPath` (the bundled demo model when undefined).
   *
   * @throws PolicyModelError or EncoderVersionMismatchError naming the file.
   */
  static async start(modelPath: string | undefined, logger: Logger, stopwatchMs: () => number): Promise<PolicyRuntime> {
    const path = modelPath ?? DEMO_MODEL_PATH;
    const model = await loadPolicyModel(path);
    logger.info(
      { model: model.info.version, path, quantisation: model.info.quantisation, asOfUs: model.info.asOfUs },
      modelPath === undefined
        ? 'deciding with the bundled DEMO model (trained on minutes of data)'
        : 'deciding with the model',
    );
    return new PolicyRuntime(model, modelPath === undefined, logger, stopwatchMs);
  }

  /** The Decision Transformer on the first market (as the baselines), position cap three orders of `orderNotional`. */
  strategy(markets: readonly BaselineMarket[], orderNotional: string): DecisionTransformerPolicy {
    const first = markets[0];
    if (first === undefined) throw new Error('the Decision Transformer needs a market to trade');
    const capLots = 3 * lotsForNotional(first.instrument, first.refPriceTicks, orderNotional);
    // The encoder follows the venues the model was trained with (its xvenue_<venue>_bps features),
    // each quoted by this run's instrument of the same base asset there, if it has one.
    const crossVenues = this.model.info.features.flatMap((f) => {
      const venue = /^xvenue_(.+)_bps$/.exec(f.name)?.[1];
      if (venue === undefined) return [];
      if (venue === first.instrument.venue) return [{ venue }];
      const other = markets.find((m) => m.instrument.venue === venue && m.instrument.base === first.instrument.base);
      return [
        other === undefined
          ? { venue }
          : { venue, symbol: other.instrument.symbol, tickSize: Number(other.instrument.spec.tickSize) },
      ];
    });
    this.policy = new DecisionTransformerPolicy({
      venue: first.instrument.venue,
      symbol: first.instrument.symbol,
      encoder: { tickSize: Number(first.instrument.spec.tickSize), crossVenues },
      model: this.model,
      capLots,
      stopwatchMs: this.stopwatchMs,
      onDecision: (d) => {
        this.decisions++;
        this.latency.push(d.inferenceMs);
        this.logger.debug(
          {
            model: d.modelVersion,
            action: d.action,
            sent: d.sent,
            probs: d.actionProbs,
            size: d.size,
            risk: d.riskBucket,
            rtg: d.targetReturnToGo,
            orderId: d.orderId,
            inferenceMs: d.inferenceMs,
          },
          'model decision',
        );
      },
      onModelChange: (c) => this.onModelChange(c),
    });
    return this.policy;
  }

  private onModelChange(change: ModelChange): void {
    if (change.kind === 'loaded') {
      this.lastError = undefined;
      this.logger.info(
        { path: change.path, model: change.version, previous: change.previousVersion },
        'model reloaded',
      );
    } else {
      this.lastError = change.error.message.split('\n')[0];
      this.lastRefusedPath = change.path;
      this.logger.error(
        { path: change.path, err: change.error, kept: change.keptVersion },
        'model file refused; the old model keeps deciding',
      );
    }
  }

  /** The model deciding now, its age at `nowUs` (from its as-of) and the age its refresh is due at. */
  modelAge(nowUs: number, refreshEveryUs: number): { name: string; ageUs: number; maxAgeUs: number } {
    const info = this.policy?.currentModel.info ?? this.model.info;
    return { name: info.version, ageUs: Math.max(0, nowUs - info.asOfUs), maxAgeUs: refreshEveryUs };
  }

  /** The model file refused last by hot reload (the old model keeps deciding), or none. */
  refusedModels(): { file: string; reason: string }[] {
    return this.lastError === undefined
      ? []
      : [{ file: this.lastRefusedPath ?? this.model.path, reason: this.lastError }];
  }

  /** The policy file deciding now (served to the in-browser model page). */
  modelFile(): string {
    return this.policy?.currentModel.path ?? this.model.path;
  }

  /** The model panel and the latest context, when there was a decision since the last call. */
  dashboardUpdate(): DashboardUpdate | undefined {
    const policy = this.policy;
    const decision = policy?.lastDecision;
    const inputs = policy?.lastInputs;
    if (policy === undefined || decision === undefined || this.decisions === this.shownDecisions) return undefined;
    this.shownDecisions = this.decisions;
    const model = policy.currentModel;
    return {
      model: modelDashboardView(
        decision,
        model,
        this.latency,
        this.demo && model.path === DEMO_MODEL_PATH,
        this.lastError,
      ),
      ...(inputs === undefined
        ? {}
        : {
            modelContext: {
              version: inputs.version,
              context: inputs.mask.length,
              stateDim: inputs.states.length / inputs.mask.length,
              states: Array.from(inputs.states),
              actions: Array.from(inputs.actions),
              returnsToGo: Array.from(inputs.returnsToGo),
              mask: Array.from(inputs.mask),
              actionProbs: Array.from(inputs.actionProbs),
              action: inputs.action,
            },
          }),
    };
  }
}

/** Inference latencies of the last decisions, for the dashboard's p50/p99. */
export class LatencyWindow {
  private readonly values: number[] = [];
  constructor(private readonly size = 1000) {}
  push(ms: number): void {
    this.values.push(ms);
    if (this.values.length > this.size) this.values.shift();
  }
  /** The `q` quantile (0..1) of the window, ms; NaN when empty. */
  quantile(q: number): number {
    if (this.values.length === 0) return Number.NaN;
    const sorted = [...this.values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  }
}

/** What the dashboard's model panel shows after `decision`. */
export function modelDashboardView(
  decision: PolicyDecision,
  model: OnnxPolicyModel,
  latency: LatencyWindow,
  demo: boolean,
  lastError: string | undefined,
): ModelView {
  return {
    version: model.info.version,
    asOfUs: model.info.asOfUs,
    path: model.path,
    quantisation: model.info.quantisation,
    demo,
    atUs: decision.atUs,
    venue: decision.venue,
    symbol: decision.symbol,
    actionProbs: decision.actionProbs,
    action: decision.action,
    sent: decision.sent,
    size: decision.size,
    riskBucket: decision.riskBucket,
    riskProbs: decision.riskProbs,
    targetReturnToGo: decision.targetReturnToGo,
    realisedReturn: decision.realisedReturn,
    inferenceMs: decision.inferenceMs,
    inferenceP50Ms: latency.quantile(0.5),
    inferenceP99Ms: latency.quantile(0.99),
    lastError: lastError ?? null,
  };
}
