/**
 * The envelope's cost per event against bare JSON (the peer: what raw kafkajs users do).
 * Run: `pnpm vitest bench --run packages/streaming/src/codec.bench.ts`.
 */
import { createRequire } from 'node:module';
import type { Trade } from '@tickerml/core';
import { bench, describe } from 'vitest';
import { SAMPLE_EVENTS } from '../test/sample-events.js';
import { decodeMessage, encodeMessage, encodeMessageText } from './codec.js';

const trade = SAMPLE_EVENTS.find((e) => e.kind === 'trade') as Trade;
const envelope = encodeMessage(trade);
const bare = Buffer.from(JSON.stringify(trade));
let sink = 0;

describe('read one trade', () => {
  bench('decodeMessage (envelope v1, every field checked)', () => {
    sink += (decodeMessage(envelope) as Trade).priceTicks;
  });
  bench('JSON.parse (peer, no checks)', () => {
    sink += (JSON.parse(bare.toString('utf8')) as Trade).priceTicks;
  });
});

describe('write one trade', () => {
  bench('encodeMessageText (envelope v1)', () => {
    sink += encodeMessageText(trade).length;
  });
  bench('JSON.stringify (peer)', () => {
    sink += JSON.stringify(trade).length;
  });
});

// kafkajs 2.2 groups each produce request's messages by partition with an array copy per
// message (quadratic in the request size): why the bus sends 1,000 messages per request.
const require = createRequire(import.meta.url);
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition.js') as (args: {
  topic: string;
  partitionMetadata: { partitionId: number }[];
  messages: { partition: number }[];
  partitioner: (args: { message: { partition: number } }) => number;
}) => Record<number, unknown[]>;
const partitionMetadata = [{ partitionId: 0 }, { partitionId: 1 }, { partitionId: 2 }];
const partitioner = ({ message }: { message: { partition: number } }) => message.partition;
const messages = (n: number) => Array.from({ length: n }, (_, i) => ({ partition: i % 3 }));

describe('kafkajs groups 5,000 messages over 3 partitions', () => {
  const one = messages(5_000);
  const five = [0, 1, 2, 3, 4].map(() => messages(1_000));
  bench('as 1 request of 5,000', () => {
    sink += Object.keys(
      groupMessagesPerPartition({ topic: 't', partitionMetadata, messages: one, partitioner }),
    ).length;
  });
  bench('as 5 requests of 1,000', () => {
    for (const part of five) {
      sink += Object.keys(
        groupMessagesPerPartition({ topic: 't', partitionMetadata, messages: part, partitioner }),
      ).length;
    }
  });
});

export { sink };
