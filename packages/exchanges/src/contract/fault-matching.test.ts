/**
 * Fault by fault, for every venue and every kind of fault the replay kit injects: the real
 * recording is served over a loopback socket to the venue's live feed, each injected fault must
 * be matched to the feed-health signal the adapter gave for it (gap, stale snapshot refused,
 * checksum mismatch, duplicate ignored, malformed frame skipped, disconnect), and the final books
 * must equal the direct replay's.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { collectUnhandledRejections } from '../../test/unhandled.js';
import { loadFrames } from '../replay/load.js';
import { type BookVenue, inferReplaySetup, replayIntoHandler } from '../replay/venues.js';
import { matchFaults } from '../testkit/detection.js';
import { FaultKind, type FaultPlanSpec } from '../testkit/faults.js';
import { replayThroughServer } from '../testkit/live.js';

const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/${p}`, import.meta.url));

const VENUES: [BookVenue, string][] = [
  ['binance', 'binance/hftbacktest_spot_btcusdt_20240808.gz'],
  ['kraken', 'kraken/crossbook_kraken_btcusd_sample.cbcap'],
  ['coinbase', 'coinbase/cryptofeed_COINBASE_advtrade.jsonl.gz'],
  ['kucoin', 'kucoin/cryptofeed_KUCOIN.jsonl.gz'],
];

/** One spec per fault kind, dense enough that a short recording gets a few of each. */
const KINDS: [string, FaultPlanSpec][] = [
  [FaultKind.Drop, { drop: 0.02 }],
  [FaultKind.Duplicate, { dup: 0.02 }],
  [FaultKind.Reorder, { reorder: 0.02 }],
  [FaultKind.Corrupt, { corrupt: 3 }],
  [FaultKind.Close, { close: 1 }],
  [FaultKind.StaleSnapshot, { staleSnapshot: 1 }],
];

const unhandled = collectUnhandledRejections();
afterAll(() => {
  expect(unhandled).toEqual([]);
});

describe.each(VENUES)('%s: every injected fault is matched to a detection', (venue, path) => {
  it.each(KINDS)('%s', { timeout: 60_000 }, async (kind, spec) => {
    const { frames } = await loadFrames(fixture(path));
    const setup = inferReplaySetup(venue, frames);
    const clean = replayIntoHandler(setup, frames);
    const synced = setup.grids.map((g) => g.symbol).filter((s) => clean.handler.book(s) !== undefined);
    const run = await replayThroughServer(setup, frames, {
      faults: spec,
      seed: 11,
      mustSync: synced,
      // Free-running (not in step) is faster and harder on the matching: frames are in flight.
      inStep: false,
    });

    // Coinbase resyncs by re-subscribing, answered with the book as it is now: there is no
    // snapshot to make stale, so the update lost for it is all that is injected.
    const expectedKind = venue === 'coinbase' && kind === FaultKind.StaleSnapshot ? FaultKind.Drop : kind;
    expect(run.injected.length, 'faults injected').toBeGreaterThan(0);
    expect(run.injected.some((f) => f.kind === expectedKind)).toBe(true);
    const missed = run.matches.filter((m) => m.detectedAs === undefined).map((m) => m.fault);
    expect(missed, 'faults the adapter never reported').toEqual([]);
    for (const m of run.matches) expect(m.afterFrames).toBeGreaterThanOrEqual(0);

    for (const g of setup.grids) {
      expect(run.feed.book(g.symbol)?.toJSON(), g.symbol).toEqual(clean.handler.book(g.symbol)?.toJSON());
    }
  });
});

describe('matchFaults', () => {
  it('leaves a fault unmatched when the only signal came before it or is of another kind', () => {
    const fault = (kind: FaultKind, venueSymbol?: string) => ({
      kind,
      tapeIndex: 10,
      localTs: 0,
      detail: '',
      ...(venueSymbol === undefined ? {} : { venueSymbol }),
    });
    const matches = matchFaults(
      [fault(FaultKind.Drop, 'BTC-USD'), fault(FaultKind.Duplicate, 'BTC-USD'), fault(FaultKind.Close)],
      [
        // before any fault: the recording's own gap, not the drop's
        { kind: 'gap', symbol: 'BTC/USD', framesHandled: 5, faultsInjected: 0, detail: '' },
        // a gap on another book cannot account for this one
        { kind: 'gap', symbol: 'ETH/USD', framesHandled: 12, faultsInjected: 1, detail: '' },
        { kind: 'duplicate-ignored', symbol: 'BTC/USD', framesHandled: 20, faultsInjected: 2, detail: '' },
        { kind: 'disconnect', symbol: 'ETH/USD', framesHandled: 30, faultsInjected: 3, detail: '' },
      ],
      { framesAtInjection: [11, 20, 29], canonical: (s) => s.replace('-', '/') },
    );
    expect(matches.map((m) => [m.fault.kind, m.detectedAs?.kind, m.afterFrames])).toEqual([
      ['drop', undefined, undefined],
      ['dup', 'duplicate-ignored', 0],
      ['close', 'disconnect', 1],
    ]);
  });
});
