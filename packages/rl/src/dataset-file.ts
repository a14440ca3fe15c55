/**
 * Dataset files: Apache Arrow IPC (file format), one row per decision time per instrument, with
 * the columns and schema metadata fixed in docs/learning.md ("Dataset files"). Readable by
 * pandas (`pyarrow.ipc.open_file(...).read_pandas()` or `pd.read_feather`), polars
 * (`pl.read_ipc`) and DuckDB.
 *
 * Written streaming: rows go to a stream-format part file in record batches as they come, and the
 * final file (whose schema carries metadata only known at the end, the data range) is assembled
 * from it batch by batch; neither step holds more than one batch in memory.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import {
  AsyncByteQueue,
  type Data,
  Field,
  Float32,
  Int8,
  Int64,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchReader,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  type Table,
  type TypeMap,
  tableFromIPC,
  Uint8,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import type { FeatureSpec } from './encoder.js';
import { DatasetFormatError, RlOptionError } from './errors.js';
import type { LabelSpec } from './labels.js';

/** Value of the `tickerml.kind` metadata key of a dataset. */
export const DATASET_KIND = 'dataset';

/** One instrument of a dataset and the cross venues its encoder compared it with. */
export interface DatasetInstrument {
  readonly venue: string;
  readonly symbol: string;
  /** Price of one tick in the quote currency, as a decimal string. */
  readonly tickSize: string;
  /** The encoder's cross venues, in feature order (`symbol` absent: that feature is always masked). */
  readonly crossVenues: readonly { readonly venue: string; readonly symbol?: string }[];
}

/** A source file of a dataset with its content hash. */
export interface DatasetSource {
  /** The path as given. */
  readonly path: string;
  /** sha256 of the file's bytes, lower-case hex. */
  readonly sha256: string;
}

/** The schema metadata of a dataset file (docs/learning.md, "Dataset files"). */
export interface DatasetMeta {
  /** `tickerml.kind`: always `dataset`. */
  readonly kind: typeof DATASET_KIND;
  /** `tickerml.encoder_version`. */
  readonly encoderVersion: number;
  /** `tickerml.features`: `[{name, unit, window, description}]` in vector order. */
  readonly features: readonly FeatureSpec[];
  /** `tickerml.labels`: the label columns with their horizons and definitions. */
  readonly labels: readonly LabelSpec[];
  /** `tickerml.interval_us`: the decision interval, µs. */
  readonly intervalUs: number;
  /** `tickerml.sources`: `[{path, sha256}]`. */
  readonly sources: readonly DatasetSource[];
  /** `tickerml.data_range`: first `t0` and last `t1` of the rows, µs (both 0 for an empty dataset). */
  readonly dataRange: { readonly fromUs: number; readonly toUs: number };
  /** `tickerml.instruments`: the instruments and their encoders' cross venues. */
  readonly instruments: readonly DatasetInstrument[];
}

/** Metadata keys, in the order written. */
const KEYS = {
  kind: 'tickerml.kind',
  encoderVersion: 'tickerml.encoder_version',
  features: 'tickerml.features',
  labels: 'tickerml.labels',
  intervalUs: 'tickerml.interval_us',
  sources: 'tickerml.sources',
  dataRange: 'tickerml.data_range',
  instruments: 'tickerml.instruments',
} as const;

/** Suffix of a feature's mask column. */
export const MASK_SUFFIX = '__mask';

function schemaOf(features: readonly FeatureSpec[], labels: readonly LabelSpec[], metadata?: Map<string, string>) {
  const fields: Field[] = [
    new Field('t0', new Int64(), false),
    new Field('t1', new Int64(), false),
    new Field('venue', new Utf8(), false),
    new Field('symbol', new Utf8(), false),
    ...features.map((f) => new Field(f.name, new Float32(), false)),
    ...features.map((f) => new Field(`${f.name}${MASK_SUFFIX}`, new Uint8(), false)),
    ...labels.map((l) => new Field(l.name, l.type === 'Int8' ? new Int8() : new Float32(), false)),
  ];
  return new Schema(fields, metadata);
}

function metadataOf(meta: DatasetMeta): Map<string, string> {
  return new Map<string, string>([
    [KEYS.kind, meta.kind],
    [KEYS.encoderVersion, JSON.stringify(meta.encoderVersion)],
    [KEYS.features, JSON.stringify(meta.features)],
    [KEYS.labels, JSON.stringify(meta.labels)],
    [KEYS.intervalUs, JSON.stringify(meta.intervalUs)],
    [KEYS.sources, JSON.stringify(meta.sources)],
    [KEYS.dataRange, JSON.stringify(meta.dataRange)],
    [KEYS.instruments, JSON.stringify(meta.instruments)],
  ]);
}

/** Writes what an Arrow writer produces straight to a file descriptor, synchronously. */
class FileSink extends AsyncByteQueue<Uint8Array> {
  constructor(private readonly fd: number) {
    super();
  }
  override write(value: Uint8Array): void {
    let offset = 0;
    while (offset < value.byteLength) offset += writeSync(this.fd, value, offset, value.byteLength - offset);
  }
}

/** Rows per record batch. */
const BATCH_ROWS = 8192;

/**
 * Streams dataset rows into an Arrow IPC file: {@link DatasetWriter.append} buffers a row and
 * writes a record batch every 8,192 rows; {@link DatasetWriter.finish} writes the final file with
 * its metadata and removes the part file. Until `finish`, `path` does not exist (or keeps its
 * previous content); a failed run leaves only `<path>.part`.
 *
 * @example
 * ```ts
 * const writer = new DatasetWriter('btc.arrow', encoder.features, labelSpecs(DEFAULT_LABEL_SETTINGS));
 * writer.append(t0, t1, 'binance', 'BTC/USDT', vector, labels);
 * await writer.finish({ encoderVersion: ENCODER_VERSION, intervalUs: 1_000_000, sources, instruments });
 * ```
 */
export class DatasetWriter {
  /** Rows appended so far. */
  rows = 0;
  private readonly F: number;
  private readonly partPath: string;
  private readonly partFd: number;
  private readonly partWriter: RecordBatchStreamWriter;
  private readonly schema: Schema;
  private n = 0;
  private readonly t0 = new BigInt64Array(BATCH_ROWS);
  private readonly t1 = new BigInt64Array(BATCH_ROWS);
  private readonly venue: string[] = new Array<string>(BATCH_ROWS).fill('');
  private readonly symbol: string[] = new Array<string>(BATCH_ROWS).fill('');
  private readonly values: Float32Array[];
  private readonly masks: Uint8Array[];
  private readonly labelColumns: (Int8Array | Float32Array)[];
  private fromUs = Number.POSITIVE_INFINITY;
  private toUs = Number.NEGATIVE_INFINITY;
  private lastT0 = Number.NEGATIVE_INFINITY;
  private closed = false;

  /**
   * @param path - the dataset file to write (`.arrow`).
   * @param features - the encoder's features (`encoder.features`).
   * @param labels - the label columns (`labelSpecs(...)`).
   * @throws {RlOptionError} when a column name repeats.
   */
  constructor(
    readonly path: string,
    readonly features: readonly FeatureSpec[],
    readonly labels: readonly LabelSpec[],
  ) {
    const names = new Set(['t0', 't1', 'venue', 'symbol']);
    for (const name of [
      ...features.map((f) => f.name),
      ...features.map((f) => f.name + MASK_SUFFIX),
      ...labels.map((l) => l.name),
    ]) {
      if (names.has(name)) throw new RlOptionError('columns', 'distinct column names', name);
      names.add(name);
    }
    this.F = features.length;
    this.values = features.map(() => new Float32Array(BATCH_ROWS));
    this.masks = features.map(() => new Uint8Array(BATCH_ROWS));
    this.labelColumns = labels.map((l) =>
      l.type === 'Int8' ? new Int8Array(BATCH_ROWS) : new Float32Array(BATCH_ROWS),
    );
    this.schema = schemaOf(features, labels);
    this.partPath = `${path}.part`;
    this.partFd = openSync(this.partPath, 'w');
    this.partWriter = new RecordBatchStreamWriter();
    this.partWriter.reset(new FileSink(this.partFd), this.schema);
  }

  /**
   * Buffers one row: times in µs, the state vector (`[values, masks]` of `2F` entries) and the
   * labels in `labels` order (directions −1/0/+1). Rows must come in non-decreasing `t0`.
   *
   * @throws {RlOptionError} on a vector of the wrong length or `t0` going back.
   */
  append(t0: number, t1: number, venue: string, symbol: string, state: Float32Array, labels: ArrayLike<number>): void {
    const F = this.F;
    if (state.length !== 2 * F) throw new RlOptionError('state', `a vector of ${2 * F} entries`, state.length);
    if (t0 < this.lastT0) throw new RlOptionError('t0', `rows in non-decreasing t0 (last ${this.lastT0})`, t0);
    this.lastT0 = t0;
    const i = this.n;
    this.t0[i] = BigInt(t0);
    this.t1[i] = BigInt(t1);
    this.venue[i] = venue;
    this.symbol[i] = symbol;
    for (let k = 0; k < F; k++) {
      (this.values[k] as Float32Array)[i] = state[k] as number;
      (this.masks[k] as Uint8Array)[i] = state[F + k] as number;
    }
    for (let k = 0; k < this.labelColumns.length; k++)
      (this.labelColumns[k] as Int8Array | Float32Array)[i] = labels[k] as number;
    if (t0 < this.fromUs) this.fromUs = t0;
    if (t1 > this.toUs) this.toUs = t1;
    this.rows++;
    if (++this.n === BATCH_ROWS) this.flush();
  }

  private flush(): void {
    const n = this.n;
    if (n === 0) return;
    const children: Data[] = [
      makeData({ type: new Int64(), length: n, nullCount: 0, data: this.t0.subarray(0, n) }),
      makeData({ type: new Int64(), length: n, nullCount: 0, data: this.t1.subarray(0, n) }),
      vectorFromArray(this.venue.slice(0, n), new Utf8()).data[0] as Data,
      vectorFromArray(this.symbol.slice(0, n), new Utf8()).data[0] as Data,
      ...this.values.map((c) => makeData({ type: new Float32(), length: n, nullCount: 0, data: c.subarray(0, n) })),
      ...this.masks.map((c) => makeData({ type: new Uint8(), length: n, nullCount: 0, data: c.subarray(0, n) })),
      ...this.labelColumns.map((c) =>
        c instanceof Int8Array
          ? makeData({ type: new Int8(), length: n, nullCount: 0, data: c.subarray(0, n) })
          : makeData({ type: new Float32(), length: n, nullCount: 0, data: c.subarray(0, n) }),
      ),
    ];
    const struct = makeData({ type: new Struct(this.schema.fields), length: n, nullCount: 0, children });
    // The sink writes synchronously, so the column buffers are free again when this returns.
    this.partWriter.write(new RecordBatch(this.schema, struct));
    this.n = 0;
  }

  /**
   * Writes the final file with its metadata (`kind` and `dataRange` are filled in from the rows)
   * and removes the part file. Returns the metadata written.
   *
   * @throws the file system's errors; the part file is then left for inspection.
   */
  async finish(meta: Omit<DatasetMeta, 'kind' | 'dataRange' | 'features' | 'labels'>): Promise<DatasetMeta> {
    if (this.closed) throw new RlOptionError('finish', 'one call per writer', 'a second call');
    this.closed = true;
    this.flush();
    this.partWriter.close();
    closeSync(this.partFd);
    const full: DatasetMeta = {
      kind: DATASET_KIND,
      encoderVersion: meta.encoderVersion,
      features: this.features,
      labels: this.labels,
      intervalUs: meta.intervalUs,
      sources: meta.sources,
      dataRange: this.rows === 0 ? { fromUs: 0, toUs: 0 } : { fromUs: this.fromUs, toUs: this.toUs },
      instruments: meta.instruments,
    };
    const schema = schemaOf(this.features, this.labels, metadataOf(full));
    const tmpPath = `${this.path}.tmp`;
    const fd = openSync(tmpPath, 'w');
    try {
      const writer = new RecordBatchFileWriter();
      writer.reset(new FileSink(fd), schema);
      const reader = await RecordBatchReader.from(createReadStream(this.partPath));
      for await (const batch of reader) writer.write(new RecordBatch(schema, batch.data));
      writer.close();
    } finally {
      closeSync(fd);
    }
    renameSync(tmpPath, this.path);
    rmSync(this.partPath, { force: true });
    return full;
  }

  /** Stops without writing the final file and removes the part file. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.partWriter.abort();
    } catch {
      // Nothing more to write.
    }
    closeSync(this.partFd);
    rmSync(this.partPath, { force: true });
  }
}

/**
 * sha256 of a file's bytes, lower-case hex, read in chunks (a large recording is never held in
 * memory).
 *
 * @throws the file system's errors (a missing file).
 * @example
 * ```ts
 * await sha256File('btc.arrow'); // 'e3b0c442...'
 * ```
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A dataset file read into typed arrays by {@link readDataset}. */
export interface Dataset {
  /** The file read. */
  readonly path: string;
  /** sha256 of the file, lower-case hex. */
  readonly sha256: string;
  readonly meta: DatasetMeta;
  /** Number of rows. */
  readonly rows: number;
  /** Vector length, `2 × meta.features.length`. */
  readonly dimension: number;
  /** Decision times, µs. */
  readonly t0: Float64Array;
  /** Label ends, µs. */
  readonly t1: Float64Array;
  /** Index into `meta.instruments` per row. */
  readonly instrument: Uint16Array;
  /**
   * The state vectors, row-major (`rows × dimension`), exactly as the encoder produced them:
   * row `i` is `states.subarray(i × dimension, (i + 1) × dimension)`, values then masks.
   */
  readonly states: Float32Array;
  /** Label columns by name (`dir_*` as Int8Array, the others as Float32Array). */
  readonly labels: Readonly<Record<string, Int8Array | Float32Array>>;
}

function parseMeta(path: string, schema: Schema): DatasetMeta {
  const md = schema.metadata;
  const get = (key: string): unknown => {
    const text = md.get(key);
    if (text === undefined) throw new DatasetFormatError(path, `metadata key ${key} is missing`);
    if (key === KEYS.kind) return text;
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new DatasetFormatError(path, `metadata key ${key} is not JSON`, error);
    }
  };
  const kind = get(KEYS.kind);
  if (kind !== DATASET_KIND)
    throw new DatasetFormatError(path, `tickerml.kind is ${JSON.stringify(kind)}, not "dataset"`);
  const features = get(KEYS.features) as FeatureSpec[];
  const labels = get(KEYS.labels) as LabelSpec[];
  if (!Array.isArray(features) || !Array.isArray(labels))
    throw new DatasetFormatError(path, 'tickerml.features and tickerml.labels must be lists');
  return {
    kind: DATASET_KIND,
    encoderVersion: get(KEYS.encoderVersion) as number,
    features,
    labels,
    intervalUs: get(KEYS.intervalUs) as number,
    sources: get(KEYS.sources) as DatasetSource[],
    dataRange: get(KEYS.dataRange) as { fromUs: number; toUs: number },
    instruments: get(KEYS.instruments) as DatasetInstrument[],
  };
}

function column(path: string, table: Table<TypeMap>, name: string) {
  const c = table.getChild(name);
  if (c === null) throw new DatasetFormatError(path, `column ${name} is missing`);
  return c;
}

/**
 * Reads a dataset file into typed arrays (the whole file: a day at 1 s for one instrument is
 * ~86k rows, a few tens of MB). Checks the metadata and that every column of the contract is
 * there.
 *
 * @throws {DatasetFormatError} when the file is not Arrow IPC, not a dataset, or lacks a column or key.
 * @example
 * ```ts
 * const ds = readDataset('btc.arrow');
 * const first = ds.states.subarray(0, ds.dimension);
 * ds.labels['dir_10s']?.[0]; // -1, 0 or 1
 * ```
 */
export function readDataset(path: string): Dataset {
  if (!existsSync(path) || !statSync(path).isFile()) throw new DatasetFormatError(path, 'no such file');
  const bytes = readFileSync(path);
  let table: Table<TypeMap>;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new DatasetFormatError(path, 'not an Arrow IPC file', error);
  }
  const meta = parseMeta(path, table.schema);
  const rows = table.numRows;
  const F = meta.features.length;
  const dimension = 2 * F;
  const t0 = new Float64Array(rows);
  const t1 = new Float64Array(rows);
  const t0c = column(path, table, 't0');
  const t1c = column(path, table, 't1');
  for (let i = 0; i < rows; i++) {
    t0[i] = Number(t0c.get(i) as bigint);
    t1[i] = Number(t1c.get(i) as bigint);
  }
  const key = (venue: string, symbol: string) => `${venue}\u0000${symbol}`;
  const index = new Map(meta.instruments.map((ins, k) => [key(ins.venue, ins.symbol), k]));
  const venues = column(path, table, 'venue');
  const symbols = column(path, table, 'symbol');
  const instrument = new Uint16Array(rows);
  for (let i = 0; i < rows; i++) {
    const k = index.get(key(venues.get(i) as string, symbols.get(i) as string));
    if (k === undefined)
      throw new DatasetFormatError(path, `row ${i}: ${venues.get(i)} ${symbols.get(i)} is not in tickerml.instruments`);
    instrument[i] = k;
  }
  const states = new Float32Array(rows * dimension);
  for (let k = 0; k < F; k++) {
    const name = (meta.features[k] as FeatureSpec).name;
    const values = column(path, table, name).toArray() as Float32Array;
    const masks = column(path, table, `${name}${MASK_SUFFIX}`).toArray() as Uint8Array;
    for (let i = 0; i < rows; i++) {
      states[i * dimension + k] = values[i] as number;
      states[i * dimension + F + k] = masks[i] as number;
    }
  }
  const labels: Record<string, Int8Array | Float32Array> = {};
  for (const l of meta.labels) {
    const arr = column(path, table, l.name).toArray() as Int8Array | Float32Array;
    labels[l.name] = l.type === 'Int8' ? Int8Array.from(arr) : Float32Array.from(arr);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { path, sha256, meta, rows, dimension, t0, t1, instrument, states, labels };
}
