/**
 * The repo's patch of kafkajs 2.2.4 (patches/kafkajs@2.2.4.patch) must write the same bytes as
 * the published code: varints against kafkajs' own 64-bit `Long` path (which the patch leaves as
 * it was), and the per-partition grouping against a plain reference.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const Encoder = require('kafkajs/src/protocol/encoder') as {
  new (): {
    writeVarLong(value: unknown): unknown;
    writeVarInt(value: number): unknown;
    buffer: Buffer;
  };
  sizeOfVarLong(value: unknown): number;
};
const Long = require('kafkajs/src/utils/long') as { fromNumber(value: number): unknown };
const Decoder = require('kafkajs/src/protocol/decoder') as new (
  buffer: Buffer,
) => { readVarLong(): { toNumber(): number }; readVarInt(): number };
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition') as (args: {
  topic: string;
  partitionMetadata: unknown[];
  messages: { key: string; i: number }[];
  partitioner: (args: { message: { key: string } }) => number;
}) => Record<string, { key: string; i: number }[]>;

const INT32_EDGES = [0, 1, -1, 63, 64, -64, -65, 127, 128, 8191, 8192, 2 ** 20, -(2 ** 20), 2 ** 31 - 1, -(2 ** 31)];

describe('kafkajs as patched', () => {
  it.each(INT32_EDGES)('writes varlong %d as the Long path does, and reads it back', (value) => {
    const patched = new Encoder();
    patched.writeVarLong(value);
    const reference = new Encoder();
    reference.writeVarLong(Long.fromNumber(value));
    expect(patched.buffer).toEqual(reference.buffer);
    expect(Encoder.sizeOfVarLong(value)).toBe(reference.buffer.length);
    expect(new Decoder(patched.buffer).readVarLong().toNumber()).toBe(value);
  });

  it('writes consecutive varints in place, each readable', () => {
    const encoder = new Encoder();
    for (const value of INT32_EDGES) encoder.writeVarInt(value);
    const decoder = new Decoder(encoder.buffer);
    expect(INT32_EDGES.map(() => decoder.readVarInt())).toEqual(INT32_EDGES);
  });

  it('groups messages by partition keeping their order', () => {
    const messages = Array.from({ length: 5_000 }, (_, i) => ({ key: `k${i % 7}`, i }));
    const partitionOf = (key: string) => Number(key.slice(1)) % 3;
    const grouped = groupMessagesPerPartition({
      topic: 't',
      partitionMetadata: [{}, {}, {}],
      messages,
      partitioner: ({ message }) => partitionOf(message.key),
    });
    for (const partition of [0, 1, 2]) {
      expect(grouped[partition]).toEqual(messages.filter((m) => partitionOf(m.key) === partition));
    }
  });
});
