// Child process for the crash tests: ingests numbered trades forever into a SQLite file or a
// PostgreSQL database and prints `ACK <committed total> <last trade id>` after every committed
// batch. Usage: node --import tsx ingest-child.ts <db path | postgres://...> [--signals]
import type { Trade } from '@tickerml/core';
import { PostgresStore } from '../src/postgres.js';
import { SqliteStore } from '../src/sqlite.js';
import { EventWriter, installSignalHandlers } from '../src/writer.js';
import { instruments, numberedTrades } from './events.js';

const target = process.argv[2];
if (target === undefined) throw new Error('usage: ingest-child.ts <db path | postgres://...> [--signals]');
const store = target.startsWith('postgres://')
  ? await PostgresStore.connect(target, { instruments, log: () => {} })
  : SqliteStore.open(target, { instruments });
const writer = new EventWriter(store, {
  maxQueuedEvents: 2_000,
  maxBatchEvents: 500,
  onCommit: (total, last) => process.stdout.write(`ACK ${total} ${(last as Trade).tradeId}\n`),
});
if (process.argv.includes('--signals')) {
  installSignalHandlers(writer, {
    onClosed: async () => {
      await store.close();
      process.stdout.write(`CLOSED ${writer.committedCount}\n`);
    },
  });
}
process.stdout.write('READY\n');
await writer.pipeFrom(numberedTrades(Number.MAX_SAFE_INTEGER));
