/**
 * Reads an ONNX file's `metadata_props` without an ONNX or protobuf library (onnxruntime's
 * JavaScript API does not expose them): a walk over the top-level fields of `ModelProto`,
 * decoding field 14 (`repeated StringStringEntryProto metadata_props`, key = 1, value = 2).
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { BaseError } from '@tickerml/core';

/**
 * Bytes that are not a well-formed ONNX protobuf where the metadata walk looked.
 *
 * @example
 * ```ts
 * parseOnnxMetadata(new Uint8Array([0x0a])); // throws OnnxFormatError: "ONNX model: field 1 runs past the end (byte 1 of 1)"
 * ```
 */
export class OnnxFormatError extends BaseError {
  override name = 'OnnxFormatError' as const;
  constructor(message: string) {
    super(`ONNX model: ${message}`);
  }
}

const METADATA_PROPS_FIELD = 14;

function readVarint(bytes: Uint8Array, start: number): [value: number, next: number] {
  let value = 0;
  let multiplier = 1;
  let pos = start;
  for (;;) {
    if (pos >= bytes.length) throw new OnnxFormatError(`varint runs past the end (byte ${pos} of ${bytes.length})`);
    const byte = bytes[pos] as number;
    pos++;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return [value, pos];
    multiplier *= 128;
    if (multiplier > 2 ** 63) throw new OnnxFormatError(`varint at byte ${start} is longer than 10 bytes`);
  }
}

/** Calls `onField(field, wireType, start, end)` for each field of the message in `bytes[from, to)`. */
function walk(
  bytes: Uint8Array,
  from: number,
  to: number,
  onField: (field: number, wireType: number, start: number, end: number) => void,
): void {
  let pos = from;
  while (pos < to) {
    const [tag, afterTag] = readVarint(bytes, pos);
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    let start = afterTag;
    let end: number;
    if (wireType === 0) end = readVarint(bytes, afterTag)[1];
    else if (wireType === 1) end = afterTag + 8;
    else if (wireType === 5) end = afterTag + 4;
    else if (wireType === 2) {
      const [length, afterLength] = readVarint(bytes, afterTag);
      start = afterLength;
      end = afterLength + length;
    } else throw new OnnxFormatError(`field ${field} at byte ${pos} has unsupported wire type ${wireType}`);
    if (end > to) throw new OnnxFormatError(`field ${field} runs past the end (byte ${end} of ${to})`);
    onField(field, wireType, start, end);
    pos = end;
  }
}

/**
 * The `metadata_props` of a serialised ONNX model, as a key → value record.
 *
 * @throws {@link OnnxFormatError} when the bytes are not a protobuf message.
 * @example
 * ```ts
 * parseOnnxMetadata(await readFile('policy.onnx'))['tickerml.encoder_version'];
 * ```
 */
export function parseOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const metadata: Record<string, string> = {};
  walk(bytes, 0, bytes.length, (field, wireType, start, end) => {
    if (field !== METADATA_PROPS_FIELD || wireType !== 2) return;
    let key = '';
    let value = '';
    walk(bytes, start, end, (inner, innerType, s, e) => {
      if (innerType !== 2) return;
      if (inner === 1) key = decoder.decode(bytes.subarray(s, e));
      else if (inner === 2) value = decoder.decode(bytes.subarray(s, e));
    });
    metadata[key] = value;
  });
  return metadata;
}

/**
 * Reads an ONNX file and returns its `metadata_props`; see {@link parseOnnxMetadata}.
 *
 * @example
 * ```ts
 * const meta = await readOnnxMetadata('models/demo/policy.onnx');
 * ```
 */
export async function readOnnxMetadata(path: string): Promise<Record<string, string>> {
  return parseOnnxMetadata(await readFile(path));
}
