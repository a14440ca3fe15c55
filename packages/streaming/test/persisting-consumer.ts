/**
 * A consumer for the persisted de-duplication tests in src/kafka-bus.int.test.ts and
 * src/kafka-bus-packed.int.test.ts, run as a child process and killed with SIGKILL by the test.
 * It keeps no state of its own: it applies trades by appending their seq to a file, relies on the
 * subscription's sequence topic (`persistSequences`, on by default), and commits offsets rarely
 * (every 60 s), so a kill leaves applied-but-uncommitted events behind.
 *
 * argv: <brokers> <topic> <group> <applied file> [--ids] [--stop-after <n>]
 * (options: test/child-options.ts)
 */
import { appendFileSync } from 'node:fs';
import type { Trade } from '@tickerml/core';
import { KafkaBus } from '../src/index.js';
import { childOptions } from './child-options.js';

const [brokers, topic, group, appliedFile, ...rest] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  ...string[],
];
const options = childOptions(rest);
const bus = new KafkaBus<Trade>({ brokers: brokers.split(','), createTopics: false, logLevel: 'nothing' });
const sub = bus.subscribe(
  topic,
  (trade, meta) => {
    appendFileSync(appliedFile, options.appliedLine(trade));
    return options.applied(meta.offset);
  },
  { groupId: group, fromBeginning: true, commitIntervalMs: 60_000 },
);
await sub.ready;
process.send?.('ready');
