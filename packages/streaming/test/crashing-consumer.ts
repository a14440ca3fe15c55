/**
 * A consumer for the crash tests in src/kafka-bus.int.test.ts and src/kafka-bus-packed.int.test.ts,
 * run as a child process and killed with SIGKILL by the test: it applies trades by appending their
 * seq to a file, and after each one writes its SequenceTracker snapshot (as an application would,
 * with what it applied). It commits offsets rarely (every 60 s), so a kill leaves
 * applied-but-uncommitted events behind.
 *
 * argv: <brokers> <topic> <group> <applied file> <snapshot file> [--ids] [--stop-after <n>]
 * (options: test/child-options.ts)
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import type { Trade } from '@tickerml/core';
import { KafkaBus, SequenceTracker } from '../src/index.js';
import { childOptions } from './child-options.js';

const [brokers, topic, group, appliedFile, snapshotFile, ...rest] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  ...string[],
];
const options = childOptions(rest);
const tracker = new SequenceTracker();
const bus = new KafkaBus<Trade>({ brokers: brokers.split(','), createTopics: false, logLevel: 'nothing' });
const sub = bus.subscribe(
  topic,
  (trade, meta) => {
    appendFileSync(appliedFile, options.appliedLine(trade));
    // Record now so the snapshot saved with the applied event includes it (as one transaction
    // holding both would); the subscription's own record after the handler is then a no-op.
    tracker.record(trade);
    writeFileSync(snapshotFile, JSON.stringify(tracker.snapshot()));
    return options.applied(meta.offset);
  },
  { groupId: group, fromBeginning: true, commitIntervalMs: 60_000, sequenceTracker: tracker },
);
await sub.ready;
process.send?.('ready');
