/**
 * A small writer for ONNX graphs on `onnx-proto` (the protobufjs classes generated from the
 * official onnx.proto): named initializers, nodes with attributes, typed inputs and outputs, and
 * the model's `metadata_props`. Only what the policy export needs.
 *
 * @module
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX tensor element types used by the export. */
export const ElementType = {
  Float: onnx.TensorProto.DataType.FLOAT,
  Uint8: onnx.TensorProto.DataType.UINT8,
  Int8: onnx.TensorProto.DataType.INT8,
  Int32: onnx.TensorProto.DataType.INT32,
  Int64: onnx.TensorProto.DataType.INT64,
} as const;
/** One of {@link ElementType}'s values. */
export type ElementType = (typeof ElementType)[keyof typeof ElementType];

/** A node attribute value: an integer, a float, a string, or a list of integers. */
export type AttributeValue =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly string: string }
  | { readonly ints: readonly number[] };

/** A dimension: a fixed size or a symbolic name (the batch, `batch`). */
export type Dimension = number | string;

function rawBytes(data: Float32Array | Int8Array | Uint8Array | BigInt64Array | Int32Array): Uint8Array {
  const bytes = new Uint8Array(data.byteLength);
  const view = new DataView(bytes.buffer);
  if (data instanceof Float32Array) {
    for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i] as number, true);
  } else if (data instanceof Int32Array) {
    for (let i = 0; i < data.length; i++) view.setInt32(4 * i, data[i] as number, true);
  } else if (data instanceof BigInt64Array) {
    for (let i = 0; i < data.length; i++) view.setBigInt64(8 * i, data[i] as bigint, true);
  } else bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return bytes;
}

/**
 * Builds one ONNX graph node by node. Output names are generated (`<op>_<n>`) unless given.
 *
 * @example
 * ```ts
 * const g = new GraphBuilder('policy');
 * const x = g.input('x', ElementType.Float, ['batch', 4]);
 * const y = g.node('Relu', [x]);
 * g.output(y, ElementType.Float, ['batch', 4]);
 * const bytes = g.toModel({ opset: 17, producer: 'tickerml', metadata: {} });
 * ```
 */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly graphName: string) {}

  private fresh(base: string): string {
    let name = base;
    while (this.names.has(name)) name = `${base}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  private valueInfo(name: string, type: ElementType, shape: readonly Dimension[]): onnxProto.onnx.IValueInfoProto {
    return {
      name,
      type: {
        tensorType: {
          elemType: type,
          shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    };
  }

  /** Declares a graph input; returns its name. */
  input(name: string, type: ElementType, shape: readonly Dimension[]): string {
    this.inputs.push(this.valueInfo(this.fresh(name), type, shape));
    return name;
  }

  /** Declares `name` (a node output) as a graph output. */
  output(name: string, type: ElementType, shape: readonly Dimension[]): void {
    this.outputs.push(this.valueInfo(name, type, shape));
  }

  /** A constant tensor stored in the file; returns its (unique) name. */
  initializer(
    name: string,
    type: ElementType,
    dims: readonly number[],
    data: Float32Array | Int8Array | Uint8Array | BigInt64Array | Int32Array,
  ): string {
    const unique = this.fresh(name);
    this.initializers.push({ name: unique, dataType: type, dims: [...dims], rawData: rawBytes(data) });
    return unique;
  }

  /** A float32 constant. */
  floats(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    return this.initializer(name, ElementType.Float, dims, Float32Array.from(values));
  }

  /** An int64 constant (shapes, axes, indices). */
  int64s(name: string, dims: readonly number[], values: readonly number[]): string {
    return this.initializer(name, ElementType.Int64, dims, BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  /**
   * Appends a node; returns its output names (one per `outputs`, default one generated name).
   * An empty string in `inputs` marks an omitted optional input.
   */
  nodeMulti(
    op: string,
    inputs: readonly string[],
    outputs: number | readonly string[],
    attributes: Readonly<Record<string, AttributeValue>> = {},
    domain = '',
  ): string[] {
    const outNames =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, () => this.fresh(`${op.toLowerCase()}_${this.nodes.length}`))
        : outputs.map((o) => this.fresh(o));
    const attribute: onnxProto.onnx.IAttributeProto[] = Object.entries(attributes).map(([name, value]) => {
      if ('int' in value) return { name, type: onnx.AttributeProto.AttributeType.INT, i: value.int };
      if ('float' in value) return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value.float };
      if ('string' in value) {
        return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value.string) };
      }
      return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...value.ints] };
    });
    this.nodes.push({
      opType: op,
      domain,
      name: `${op}_${this.nodes.length}`,
      input: [...inputs],
      output: outNames,
      attribute,
    });
    return outNames;
  }

  /** Appends a single-output node; returns the output name (`output` when given). */
  node(
    op: string,
    inputs: readonly string[],
    attributes: Readonly<Record<string, AttributeValue>> = {},
    output?: string,
  ): string {
    return this.nodeMulti(op, inputs, output === undefined ? 1 : [output], attributes)[0] as string;
  }

  /** How many nodes the graph has so far. */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /**
   * Serialises the model: IR version 8, the default-domain opset `opset` (plus `com.microsoft`
   * version 1 when `microsoftOpset` is set), and `metadata` as `metadata_props`.
   */
  toModel(options: {
    readonly opset: number;
    readonly producer: string;
    readonly producerVersion?: string;
    readonly metadata: Readonly<Record<string, string>>;
    readonly microsoftOpset?: boolean;
    readonly docString?: string;
  }): Uint8Array {
    const model: onnxProto.onnx.IModelProto = {
      irVersion: 8,
      producerName: options.producer,
      producerVersion: options.producerVersion ?? '',
      docString: options.docString ?? '',
      opsetImport: [
        { domain: '', version: options.opset },
        ...(options.microsoftOpset === true ? [{ domain: 'com.microsoft', version: 1 }] : []),
      ],
      metadataProps: Object.entries(options.metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}
