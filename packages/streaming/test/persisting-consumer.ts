/**
 * A consumer for the persisted de-duplication test in src/kafka-bus.int.test.ts, run as a child
 * process and killed with SIGKILL by the test. It keeps no state of its own: it applies trades by
 * appending their seq to a file, relies on the subscription's sequence topic
 * (`persistSequences`, on by default), and commits offsets rarely (every 60 s), so a kill leaves
 * applied-but-uncommitted events behind.
 *
 * argv: <brokers> <topic> <group> <applied file>
 */
import { appendFileSync } from 'node:fs';
import type { Trade } from '@tickerml/core';
import { KafkaBus } from '../src/index.js';

const [brokers, topic, group, appliedFile] = process.argv.slice(2) as [string, string, string, string];
const bus = new KafkaBus<Trade>({ brokers: brokers.split(','), createTopics: false, logLevel: 'nothing' });
const sub = bus.subscribe(topic, (trade) => appendFileSync(appliedFile, `${trade.seq}\n`), {
  groupId: group,
  fromBeginning: true,
  commitIntervalMs: 60_000,
});
await sub.ready;
process.send?.('ready');
