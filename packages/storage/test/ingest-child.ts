// Child process for the crash tests: ingests numbered trades into a SQLite file forever and
// prints `ACK <committed total> <last trade id>` after every committed batch.
// Usage: tsx ingest-child.ts <db path> [--signals]
import type { Trade } from '@tickerml/core';
import { SqliteStore } from '../src/sqlite.js';
import { EventWriter, installSignalHandlers } from '../src/writer.js';
import { instruments, numberedTrades } from './events.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: ingest-child.ts <db path> [--signals]');
const store = SqliteStore.open(path, { instruments });
const writer = new EventWriter(store, {
  maxQueuedEvents: 2_000,
  maxBatchEvents: 500,
  onCommit: (total, last) => process.stdout.write(`ACK ${total} ${(last as Trade).tradeId}\n`),
});
if (process.argv.includes('--signals')) {
  installSignalHandlers(writer, {
    onClosed: () => {
      store.close();
      process.stdout.write(`CLOSED ${writer.committedCount}\n`);
    },
  });
}
process.stdout.write('READY\n');
await writer.pipeFrom(numberedTrades(Number.MAX_SAFE_INTEGER));
