/**
 * The protobuf writer: plain objects shaped like the ONNX messages (field names as in
 * src/onnx/onnx.proto) encoded to bytes with protobufjs and the ONNX schema.
 */
import * as protobuf from 'protobufjs/light';
import {ONNX_SCHEMA} from './schema';

/** `TensorProto.DataType` values that the exporter writes. */
export const DataType = {FLOAT: 1, INT64: 7, BOOL: 9} as const;

/** `AttributeProto.AttributeType` values that the exporter writes. */
export const AttributeType = {FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7} as const;

export interface TensorMessage {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
}

export interface NodeMessage {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: AttributeMessage[];
  domain?: string;
}

/** A dimension: a fixed size or a symbolic name such as `'batch'`. */
export type Dim = number | string;

export interface ValueInfoMessage {
  name: string;
  type: {tensor_type: {elem_type: number, shape: {dim: ({dim_value: number} | {dim_param: string})[]}}};
}

export interface ModelMessage {
  ir_version: number;
  opset_import: {domain: string, version: number}[];
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: {
    name: string;
    node: NodeMessage[];
    initializer: TensorMessage[];
    input: ValueInfoMessage[];
    output: ValueInfoMessage[];
    value_info: ValueInfoMessage[];
  };
}

let modelType: protobuf.Type | undefined;

function modelProto(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace).lookupType('onnx.ModelProto');
  return modelType;
}

/** A float tensor value info `[dims]` (symbolic names for strings). */
export function valueInfo(name: string, dims: Dim[], elemType: number = DataType.FLOAT): ValueInfoMessage {
  return {
    name,
    type: {tensor_type: {elem_type: elemType, shape: {
      dim: dims.map((d) => (typeof d === 'number' ? {dim_value: d} : {dim_param: d})),
    }}},
  };
}

/** Encodes a model to the ONNX protobuf bytes; throws when the message does not fit the schema. */
export function encodeModel(model: ModelMessage): Uint8Array {
  const type = modelProto();
  const message = type.fromObject(model);
  const problem = type.verify(message);
  if (problem) throw new Error(`onnx: invalid model message: ${problem}`);
  return type.encode(message).finish();
}

/** Decodes ONNX bytes to a plain object (field names as in the schema); for tests and inspection. */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  const type = modelProto();
  return type.toObject(type.decode(bytes), {longs: Number, bytes: Array, defaults: false}) as ModelMessage;
}
