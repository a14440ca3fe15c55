/**
 * Drives a transport-free handler straight from a recording (no sockets): the reference path
 * the contract suite compares the live path against, and what `tickerml replay` uses without
 * `--through-server`.
 *
 * @module
 */
import type { MarketEvent } from '@tickerml/core';
import type { ResyncMethod, VenueHandler } from '../common/feed.js';
import type { RawFrame } from '../readers/raw-frame.js';

/** Result of {@link replayDirect}. */
export interface DirectReplayResult {
  readonly events: MarketEvent[];
  /** Snapshot requests the handler made, in order. */
  readonly snapshotRequests: { venueSymbol: string; method: ResyncMethod }[];
}

/**
 * Feeds every received frame and REST snapshot of a recording to a handler built by `make`.
 * `snapshotSymbol(url)` tells which venue symbol an `http` record is a depth snapshot of
 * (`undefined` for other REST bodies).
 */
export async function replayDirect(
  frames: AsyncIterable<RawFrame> | Iterable<RawFrame>,
  make: (hooks: {
    emit: (e: MarketEvent) => void;
    requestSnapshot: (venueSymbol: string, method: ResyncMethod) => void;
  }) => VenueHandler,
  snapshotSymbol: (url: string) => string | undefined,
): Promise<DirectReplayResult & { handler: VenueHandler }> {
  const events: MarketEvent[] = [];
  const snapshotRequests: { venueSymbol: string; method: ResyncMethod }[] = [];
  const handler = make({
    emit: (e) => events.push(e),
    requestSnapshot: (venueSymbol, method) => snapshotRequests.push({ venueSymbol, method }),
  });
  for await (const f of frames) {
    if (f.kind === 'recv') handler.onFrame(f.data, f.localTs);
    else if (f.kind === 'http' && f.url !== undefined) {
      const sym = snapshotSymbol(f.url);
      if (sym !== undefined) handler.onRestSnapshot(sym, f.data, f.localTs);
    }
  }
  return { events, snapshotRequests, handler };
}
