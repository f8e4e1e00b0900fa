#!/usr/bin/env python3
"""An independent reference run of an ONNX classifier, written as a trt-parity saved run.

    torch_reference.py INPUTS_DIR MODEL.onnx OUT_DIR [--engine torch|numpy] [--device cuda|cpu]

INPUTS_DIR is a saved run of preprocessed inputs written by trt-parity
(`compare ... --save-inputs INPUTS_DIR`). Each entry's input tensors are run through MODEL.onnx,
interpreted node by node here (no ONNX Runtime, no exporter), and OUT_DIR becomes a saved run of
kind "outputs" that `trt-parity compare MODEL.onnx OUT_DIR IMAGES...` replays like a backend.

Engines:
  torch  (default) PyTorch, float32, on --device (default cuda), with TF32 off: TF32 rounds
         every conv/matmul operand to a 10-bit mantissa, a different computation from the float32
         one ONNX defines (errors ~1e-3 relative, the size of our default rtol). The run is then
         checked against the numpy engine (float64) and the result recorded in provenance.json.
  numpy  plain numpy, in float64 (default) or float32 (--numpy-precision). Needs nothing but
         numpy: it is how the graph interpretation is checked against ONNX Runtime on a machine
         without torch.

Reading the model: a minimal protobuf reader in this file (only the ModelProto fields that the
op table needs). When the `onnx` package is importable (`--onnx-reader auto`, the default) the
model is also loaded with onnx + onnx.numpy_helper, the run uses that, and both readings must agree
exactly (graph, attributes, initializer bits) or the script stops. So the GPU run reads weights
with the official decoder, and this reader is checked against it on the way.

Everything that could make the result silently wrong stops the script with one line on stderr:
an op or attribute outside the table, an input digest that does not match its manifest, a
TF32 probe that shows reduced precision, an output directory that is not empty.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import platform
import re
import shlex
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SAVED_RUN_FORMAT = "trt-parity-saved-run"
SAVED_RUN_VERSION = 1
MANIFEST_FILE = "manifest.json"
PROVENANCE_FILE = "provenance.json"

# The torch run must be this close to the float64 numpy interpretation before anything is
# written. Loose enough that float32 accumulation-order noise never trips it (ORT CPU is ~1.5e-5
# abs from float64 on the photos), tight enough that a misread attribute or op (errors of the
# order of the logits themselves) does. TF32 is caught separately, by precision_probe.
SELF_CHECK_RTOL = 1e-3
SELF_CHECK_ATOL = 1e-4

# precision_probe's bar. Measured with its seeded operands: exact float32 ~1e-6 (9.2e-7 matmul,
# 3.5e-7 conv on a CPU); TF32, emulated by rounding the operands to 10 mantissa bits, 2.8e-4.
PROBE_MAX_REL = 3e-5


class OracleError(Exception):
    """A problem the user must fix: printed as one line, exit status 2."""


# ---------------------------------------------------------------------------------------------
# dtypes: trt-parity's names, ONNX's TensorProto.DataType numbers, numpy's dtypes

ONNX_ELEM_TO_DTYPE = {1: "float32", 2: "uint8", 3: "int8", 6: "int32", 7: "int64", 9: "bool", 10: "float16", 16: "bfloat16"}
DTYPE_TO_NUMPY = {
    "float32": np.dtype("<f4"), "float16": np.dtype("<f2"), "bfloat16": np.dtype("<u2"),
    "int8": np.dtype("i1"), "uint8": np.dtype("u1"), "int32": np.dtype("<i4"), "int64": np.dtype("<i8"), "bool": np.dtype("?"),
}


# ---------------------------------------------------------------------------------------------
# Saved runs: the digest and folder naming of src/backends/saved/{digest,saved-writer}.ts

def tensor_map_digest(tensors: dict[str, tuple[str, np.ndarray]]) -> str:
    """tensorMapDigest of digest.ts: name -> (trt-parity dtype, array). Byte for byte the same stream.

    Names sort in UTF-16 code-unit order, as JavaScript's default sort does.
    """
    h = hashlib.sha256()
    h.update(f"trt-parity-tensors-v1\n{len(tensors)}\n".encode())
    for name in sorted(tensors, key=lambda s: s.encode("utf-16-be")):
        dtype, arr = tensors[name]
        data = np.ascontiguousarray(arr, dtype=DTYPE_TO_NUMPY[dtype]).tobytes(order="C")
        name_bytes = name.encode("utf-8")
        h.update(f"{len(name_bytes)}:".encode())
        h.update(name_bytes)
        h.update(f"\n{dtype}\n[{','.join(str(int(d)) for d in arr.shape)}]\n{len(data)}\n".encode())
        h.update(data)
    return "sha256:" + h.hexdigest()


def slug(s: str) -> str:
    """saved-writer.ts's slug(): keeps [A-Za-z0-9._-], maps runs of anything else to '_', at most 60 chars."""
    cleaned = re.sub(r"^[._]+", "", re.sub(r"[^A-Za-z0-9._-]+", "_", s))[-60:]
    return cleaned or "tensor"


def entry_folder(key: str) -> str:
    return f"{slug(key)}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:8]}"


def tensor_file_stems(names: list[str]) -> dict[str, str]:
    """File stem per tensor name, de-duplicated case-insensitively as SavedRunWriter.add does."""
    used: set[str] = set()
    out: dict[str, str] = {}
    for name in names:
        base = slug(name)
        i = 2
        while base.lower() in used:
            base = f"{slug(name)}-{i}"
            i += 1
        used.add(base.lower())
        out[name] = base
    return out


@dataclass
class InputEntry:
    key: str
    digest: str
    # name -> {"dtype", "shape"} exactly as the inputs manifest recorded them
    described: dict[str, Any]
    tensors: dict[str, tuple[str, np.ndarray]]


def is_inside(rel: str) -> bool:
    """A manifest path must be relative and stay inside the run directory (manifest.ts isContained)."""
    if rel == "" or os.path.isabs(rel) or "\\" in rel:
        return False
    norm = os.path.normpath(rel)
    return norm != ".." and not norm.startswith(".." + os.sep)


def read_inputs_run(inputs_dir: str) -> tuple[dict[str, Any], list[InputEntry]]:
    """Load a --save-inputs directory, verifying every entry's digest against its manifest."""
    path = os.path.join(inputs_dir, MANIFEST_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except FileNotFoundError:
        raise OracleError(f"{inputs_dir}: not a trt-parity saved run (no {MANIFEST_FILE}); write one with `compare ... --save-inputs DIR`")
    except (OSError, ValueError) as e:
        raise OracleError(f"{path}: cannot read: {e}")
    if not isinstance(manifest, dict) or manifest.get("format") != SAVED_RUN_FORMAT or manifest.get("version") != SAVED_RUN_VERSION:
        raise OracleError(f"{path}: not a version {SAVED_RUN_VERSION} trt-parity saved-run manifest")
    if manifest.get("kind") != "inputs":
        raise OracleError(f"{path}: holds saved {manifest.get('kind')!r}, not preprocessed inputs (--save-inputs)")
    entries = manifest.get("entries")
    if not isinstance(entries, dict) or not entries:
        raise OracleError(f"{path}: has no entries")
    out: list[InputEntry] = []
    for key, e in entries.items():
        tensors: dict[str, tuple[str, np.ndarray]] = {}
        for name, f in e["files"].items():
            rel, dtype, shape = f["path"], f["dtype"], list(f["shape"])
            if dtype not in DTYPE_TO_NUMPY:
                raise OracleError(f"{path}: entry {key!r} tensor {name!r} has unknown dtype {dtype!r}")
            if not is_inside(rel):
                raise OracleError(f"{path}: entry {key!r} path {rel!r} leaves the run directory")
            file = os.path.join(inputs_dir, rel)
            arr = np.load(file, allow_pickle=False)
            if arr.dtype.newbyteorder("<") != DTYPE_TO_NUMPY[dtype].newbyteorder("<") and not (dtype == "bool" and arr.dtype == np.bool_):
                raise OracleError(f"{file}: holds {arr.dtype}, the manifest says {dtype}")
            if list(arr.shape) != shape:
                raise OracleError(f"{file}: has shape {list(arr.shape)}, the manifest says {shape}")
            tensors[name] = (dtype, np.ascontiguousarray(arr, dtype=DTYPE_TO_NUMPY[dtype]))
        digest = tensor_map_digest(tensors)
        if digest != e["inputDigest"]:
            raise OracleError(f"{inputs_dir}: entry {key!r}: recomputed input digest {digest} differs from the manifest's {e['inputDigest']} "
                              "(files modified, or this script's digest no longer matches src/backends/saved/digest.ts)")
        out.append(InputEntry(key=key, digest=digest, described=e["inputs"], tensors=tensors))
        expected_folder = os.path.dirname(next(iter(e["files"].values()))["path"]) if e["files"] else None
        if expected_folder is not None and expected_folder != entry_folder(key):
            raise OracleError(f"{path}: entry {key!r} is stored in {expected_folder!r}, this script would name it {entry_folder(key)!r} "
                              "(folder naming differs from saved-writer.ts)")
    return manifest, out


def write_outputs_run(out_dir: str, producer: dict[str, Any], declared_inputs: list[dict[str, Any]], declared_outputs: list[dict[str, Any]],
                      results: list[tuple[InputEntry, dict[str, np.ndarray]]], pipeline: str | None = None) -> None:
    """Write OUT_DIR as SavedRunWriter would: .npy per tensor per key, then manifest.json atomically."""
    entries: dict[str, Any] = {}
    for entry, outputs in results:
        folder = entry_folder(entry.key)
        os.makedirs(os.path.join(out_dir, folder), exist_ok=True)
        stems = tensor_file_stems(list(outputs))
        files: dict[str, Any] = {}
        for name, arr in outputs.items():
            rel = f"{folder}/{stems[name]}.npy"
            np.save(os.path.join(out_dir, folder, stems[name] + ".npy"), np.ascontiguousarray(arr, dtype="<f4"), allow_pickle=False)
            files[name] = {"path": rel, "dtype": "float32", "shape": [int(d) for d in arr.shape]}
        entries[entry.key] = {"inputDigest": entry.digest, "inputs": entry.described, "files": files}
    manifest = {
        "format": SAVED_RUN_FORMAT, "version": SAVED_RUN_VERSION, "kind": "outputs", "producer": producer,
        "inputs": declared_inputs, "outputs": declared_outputs, "entries": entries,
    }
    if pipeline is not None:
        manifest["preprocess"] = {"pipeline": pipeline}
    path = os.path.join(out_dir, MANIFEST_FILE)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(manifest, indent=1) + "\n")
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# The model: a graph in plain Python values, read by our protobuf reader or by the onnx package

@dataclass
class Node:
    op_type: str
    domain: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any]


@dataclass
class ValueInfo:
    name: str
    elem_type: int
    dims: list[int | str | None]


@dataclass
class Graph:
    nodes: list[Node]
    initializers: dict[str, np.ndarray]
    inputs: list[ValueInfo]
    outputs: list[ValueInfo]
    opsets: dict[str, int]
    ir_version: int
    reader: str = ""
    notes: list[str] = field(default_factory=list)

    def feeds(self) -> list[ValueInfo]:
        """Graph inputs that are not initializers (IR >= 4 may list initializers as inputs too)."""
        return [v for v in self.inputs if v.name not in self.initializers]


class Proto:
    """Protobuf wire format: just enough to walk ONNX messages. Fields as (number, wire type, value)."""

    def __init__(self, buf: bytes, what: str):
        self.buf, self.what = buf, what

    def varint(self, pos: int) -> tuple[int, int]:
        result = shift = 0
        while True:
            if pos >= len(self.buf):
                raise OracleError(f"{self.what}: truncated protobuf varint")
            b = self.buf[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            if b < 0x80:
                return result, pos
            shift += 7
            if shift > 63:
                raise OracleError(f"{self.what}: malformed protobuf varint")

    def fields(self) -> list[tuple[int, int, Any]]:
        out: list[tuple[int, int, Any]] = []
        pos = 0
        while pos < len(self.buf):
            tag, pos = self.varint(pos)
            number, wire = tag >> 3, tag & 7
            if wire == 0:
                v, pos = self.varint(pos)
            elif wire == 1:
                v, pos = self.buf[pos:pos + 8], pos + 8
            elif wire == 2:
                n, pos = self.varint(pos)
                v, pos = self.buf[pos:pos + n], pos + n
            elif wire == 5:
                v, pos = self.buf[pos:pos + 4], pos + 4
            else:
                raise OracleError(f"{self.what}: unsupported protobuf wire type {wire}")
            if pos > len(self.buf):
                raise OracleError(f"{self.what}: truncated protobuf field {number}")
            out.append((number, wire, v))
        return out


def _int64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _repeated_ints(items: list[tuple[int, Any]], what: str) -> list[int]:
    """Repeated int64, packed (wire 2) or not (wire 0): proto2 writers emit either."""
    out: list[int] = []
    for wire, v in items:
        if wire == 0:
            out.append(_int64(v))
        else:
            p, pos = Proto(v, what), 0
            while pos < len(v):
                x, pos = p.varint(pos)
                out.append(_int64(x))
    return out


def _repeated_floats(items: list[tuple[int, Any]]) -> list[float]:
    out: list[float] = []
    for _wire, v in items:
        out.extend(struct.unpack(f"<{len(v) // 4}f", v))
    return out


def _group(fields: list[tuple[int, int, Any]]) -> dict[int, list[tuple[int, Any]]]:
    g: dict[int, list[tuple[int, Any]]] = {}
    for number, wire, v in fields:
        g.setdefault(number, []).append((wire, v))
    return g


def _text(items: list[tuple[int, Any]] | None) -> str:
    return items[-1][1].decode("utf-8") if items else ""


def _parse_tensor(buf: bytes, what: str) -> tuple[str, np.ndarray]:
    t = _group(Proto(buf, what).fields())
    name = _text(t.get(8))
    where = f"{what}: initializer {name!r}"
    if 13 in t or (14 in t and t[14][-1][1] != 0):
        raise OracleError(f"{where} uses external data; only embedded weights are supported")
    if 3 in t:
        raise OracleError(f"{where} is segmented; not supported")
    dims = _repeated_ints(t.get(1, []), what)
    elem = t[2][-1][1] if 2 in t else 0
    if elem == 1:
        if 9 in t:
            arr = np.frombuffer(t[9][-1][1], dtype="<f4").copy()
        else:
            arr = np.array(_repeated_floats(t.get(4, [])), dtype="<f4")
    elif elem == 7:
        arr = np.frombuffer(t[9][-1][1], dtype="<i8").copy() if 9 in t else np.array(_repeated_ints(t.get(7, []), what), dtype="<i8")
    else:
        raise OracleError(f"{where} has data type {elem}; this reader takes float32 (1) and int64 (7) initializers only")
    if arr.size != int(np.prod(dims, dtype=np.int64)):
        raise OracleError(f"{where}: {arr.size} values for dims {dims}")
    return name, arr.reshape(dims)


def _parse_attribute(buf: bytes, what: str) -> tuple[str, Any]:
    a = _group(Proto(buf, what).fields())
    name = _text(a.get(1))
    kind = a[20][-1][1] if 20 in a else 0
    # AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7
    if kind == 1:
        return name, struct.unpack("<f", a[2][-1][1])[0] if 2 in a else 0.0
    if kind == 2:
        return name, _int64(a[3][-1][1]) if 3 in a else 0
    if kind == 3:
        return name, a[4][-1][1] if 4 in a else b""
    if kind == 6:
        return name, _repeated_floats(a.get(7, []))
    if kind == 7:
        return name, _repeated_ints(a.get(8, []), what)
    raise OracleError(f"{what}: attribute {name!r} has type {kind}; this reader takes FLOAT, INT, STRING, FLOATS and INTS")


def _parse_value_info(buf: bytes, what: str) -> ValueInfo:
    v = _group(Proto(buf, what).fields())
    name = _text(v.get(1))
    elem, dims = 0, []
    if 2 in v:
        tp = _group(Proto(v[2][-1][1], what).fields())
        if 1 not in tp:
            raise OracleError(f"{what}: graph input/output {name!r} is not a tensor")
        tt = _group(Proto(tp[1][-1][1], what).fields())
        elem = tt[1][-1][1] if 1 in tt else 0
        if 2 in tt:
            for _w, d in _group(Proto(tt[2][-1][1], what).fields()).get(1, []):
                dd = _group(Proto(d, what).fields())
                dims.append(_int64(dd[1][-1][1]) if 1 in dd else _text(dd.get(2)) or None)
    return ValueInfo(name=name, elem_type=elem, dims=dims)


def read_graph_builtin(path: str, data: bytes) -> Graph:
    """Read MODEL.onnx with this file's protobuf reader (no onnx package needed)."""
    m = _group(Proto(data, path).fields())
    if 7 not in m:
        raise OracleError(f"{path}: not an ONNX model (no graph)")
    opsets: dict[str, int] = {}
    for _w, o in m.get(8, []):
        og = _group(Proto(o, path).fields())
        opsets[_text(og.get(1))] = _int64(og[2][-1][1]) if 2 in og else 0
    g = _group(Proto(m[7][-1][1], path).fields())
    if 15 in g:
        raise OracleError(f"{path}: sparse initializers are not supported")
    nodes = []
    for _w, nb in g.get(1, []):
        n = _group(Proto(nb, path).fields())
        attrs = dict(_parse_attribute(ab, path) for _w2, ab in n.get(5, []))
        nodes.append(Node(op_type=_text(n.get(4)), domain=_text(n.get(7)),
                          inputs=[v.decode() for _w2, v in n.get(1, [])], outputs=[v.decode() for _w2, v in n.get(2, [])], attrs=attrs))
    inits = dict(_parse_tensor(tb, path) for _w, tb in g.get(5, []))
    return Graph(nodes=nodes, initializers=inits,
                 inputs=[_parse_value_info(b, path) for _w, b in g.get(11, [])],
                 outputs=[_parse_value_info(b, path) for _w, b in g.get(12, [])],
                 opsets=opsets, ir_version=_int64(m[1][-1][1]) if 1 in m else 0, reader="builtin protobuf reader")


def read_graph_onnx(path: str) -> Graph:
    """Read MODEL.onnx with the official onnx package (onnx.load + onnx.numpy_helper)."""
    import onnx  # noqa: PLC0415 - optional dependency
    from onnx import helper, numpy_helper  # noqa: PLC0415

    model = onnx.load(path, load_external_data=False)
    g = model.graph
    if len(g.sparse_initializer):
        raise OracleError(f"{path}: sparse initializers are not supported")

    def vi(v: Any) -> ValueInfo:
        tt = v.type.tensor_type
        dims: list[int | str | None] = [d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in tt.shape.dim]
        return ValueInfo(name=v.name, elem_type=tt.elem_type, dims=dims)

    inits = {}
    for t in g.initializer:
        if t.data_location == onnx.TensorProto.EXTERNAL:
            raise OracleError(f"{path}: initializer {t.name!r} uses external data; only embedded weights are supported")
        inits[t.name] = numpy_helper.to_array(t)
    nodes = [Node(op_type=n.op_type, domain=n.domain, inputs=list(n.input), outputs=list(n.output),
                  attrs={a.name: helper.get_attribute_value(a) for a in n.attribute}) for n in g.node]
    for n in nodes:  # repeated fields come back as lists or protobuf containers: plain lists compare equal
        n.attrs = {k: list(v) if not isinstance(v, (int, float, bytes, str)) else v for k, v in n.attrs.items()}
    return Graph(nodes=nodes, initializers=inits, inputs=[vi(v) for v in g.input], outputs=[vi(v) for v in g.output],
                 opsets={o.domain: o.version for o in model.opset_import}, ir_version=model.ir_version, reader=f"onnx {onnx.__version__}")


def graphs_agree(a: Graph, b: Graph) -> str | None:
    """None when two readings of one model are identical (initializers bit for bit); else what differs."""
    if [(n.op_type, n.domain, n.inputs, n.outputs) for n in a.nodes] != [(n.op_type, n.domain, n.inputs, n.outputs) for n in b.nodes]:
        return "nodes differ"
    for na, nb in zip(a.nodes, b.nodes):
        if na.attrs != nb.attrs:
            return f"attributes of {na.op_type} -> {na.outputs} differ: {na.attrs} vs {nb.attrs}"
    if sorted(a.initializers) != sorted(b.initializers):
        return "initializer names differ"
    for k, x in a.initializers.items():
        y = b.initializers[k]
        if x.dtype.newbyteorder("<") != y.dtype.newbyteorder("<") or x.shape != y.shape or x.astype(x.dtype.newbyteorder("<")).tobytes() != y.astype(x.dtype.newbyteorder("<")).tobytes():
            return f"initializer {k!r} differs ({x.dtype}{list(x.shape)} vs {y.dtype}{list(y.shape)})"
    for what, xs, ys in (("inputs", a.inputs, b.inputs), ("outputs", a.outputs, b.outputs)):
        if [(v.name, v.elem_type, v.dims) for v in xs] != [(v.name, v.elem_type, v.dims) for v in ys]:
            return f"graph {what} differ"
    if a.opsets != b.opsets:
        return f"opsets differ: {a.opsets} vs {b.opsets}"
    return None


def load_graph(path: str, reader: str) -> Graph:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise OracleError(f"{path}: cannot read: {e.strerror}")
    builtin = read_graph_builtin(path, data)
    if reader == "builtin":
        return builtin
    try:
        official = read_graph_onnx(path)
    except ImportError:
        if reader == "onnx":
            raise OracleError("--onnx-reader onnx: the onnx package is not importable in this Python")
        builtin.notes.append("onnx package not importable: read with the builtin protobuf reader only")
        return builtin
    problem = graphs_agree(official, builtin)
    if problem:
        raise OracleError(f"{path}: the onnx package and the builtin reader disagree: {problem}")
    official.notes.append("read with the onnx package; the builtin protobuf reader agreed exactly (graph, attributes, initializer bits)")
    return official


# ---------------------------------------------------------------------------------------------
# The op table. Each op is written twice, once per engine, from the ONNX operator spec (opset 13).

SUPPORTED_OPSETS = range(11, 22)  # these five ops keep the semantics used here across opsets 11..21


@dataclass
class ConvParams:
    strides: tuple[int, int]
    pads: tuple[int, int, int, int]  # top, left, bottom, right
    dilations: tuple[int, int]
    group: int


def conv_params(node: Node, w: Any) -> ConvParams:
    """`w`: the weight, a numpy array or a torch tensor (only its rank and shape are read)."""
    a = dict(node.attrs)
    allowed = {"kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"}
    unknown = set(a) - allowed
    if unknown:
        raise OracleError(f"Conv {node.outputs}: unsupported attributes {sorted(unknown)}")
    if w.ndim != 4:
        raise OracleError(f"Conv {node.outputs}: only 2-D convolutions are supported (weight rank {w.ndim})")
    auto_pad = a.get("auto_pad", b"NOTSET")
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else auto_pad
    if auto_pad not in ("NOTSET", "VALID"):
        raise OracleError(f"Conv {node.outputs}: auto_pad {auto_pad} is not supported")
    if "kernel_shape" in a and list(a["kernel_shape"]) != list(w.shape[2:]):
        raise OracleError(f"Conv {node.outputs}: kernel_shape {a['kernel_shape']} disagrees with the weight {list(w.shape)}")
    pads = tuple(a.get("pads", [0, 0, 0, 0])) if auto_pad == "NOTSET" else (0, 0, 0, 0)
    strides = tuple(a.get("strides", [1, 1]))
    dilations = tuple(a.get("dilations", [1, 1]))
    if len(pads) != 4 or len(strides) != 2 or len(dilations) != 2:
        raise OracleError(f"Conv {node.outputs}: pads/strides/dilations of the wrong length")
    return ConvParams(strides=strides, pads=pads, dilations=dilations, group=int(a.get("group", 1)))  # type: ignore[arg-type]


def check_attrs(node: Node, allowed: set[str]) -> None:
    unknown = set(node.attrs) - allowed
    if unknown:
        raise OracleError(f"{node.op_type} {node.outputs}: unsupported attributes {sorted(unknown)}")


def flatten_shape(node: Node, shape: tuple[int, ...]) -> tuple[int, int]:
    check_attrs(node, {"axis"})
    axis = int(node.attrs.get("axis", 1))
    if axis < 0:
        axis += len(shape)
    if not 0 <= axis <= len(shape):
        raise OracleError(f"Flatten {node.outputs}: axis {node.attrs.get('axis')} out of range for rank {len(shape)}")
    return int(np.prod(shape[:axis], dtype=np.int64)), int(np.prod(shape[axis:], dtype=np.int64))


def gemm_params(node: Node) -> tuple[float, float, bool, bool]:
    check_attrs(node, {"alpha", "beta", "transA", "transB"})
    return (float(node.attrs.get("alpha", 1.0)), float(node.attrs.get("beta", 1.0)),
            bool(node.attrs.get("transA", 0)), bool(node.attrs.get("transB", 0)))


def np_conv(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, p: ConvParams) -> np.ndarray:
    """im2col + tensordot: every output element is one dot product over (channel, ky, kx)."""
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    (sh, sw), (pt, pl, pb, pr), (dh, dw), g = p.strides, p.pads, p.dilations, p.group
    if c != cg * g or m % g != 0:
        raise OracleError(f"Conv: input channels {c} do not fit weight {list(w.shape)} with group {g}")
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i * dh: i * dh + sh * (oh - 1) + 1: sh, j * dw: j * dw + sw * (ow - 1) + 1: sw]
    outs = []
    mg = m // g
    for gi in range(g):
        wg = w[gi * mg:(gi + 1) * mg]
        cg_cols = cols[:, gi * cg:(gi + 1) * cg]
        outs.append(np.tensordot(cg_cols, wg, axes=([1, 2, 3], [1, 2, 3])))  # [n, oh, ow, mg]
    y = np.concatenate(outs, axis=3).transpose(0, 3, 1, 2)
    if b is not None:
        y = y + b.reshape(1, m, 1, 1)
    return np.ascontiguousarray(y)


def run_numpy(graph: Graph, feeds: dict[str, np.ndarray], precision: str) -> dict[str, np.ndarray]:
    """Interpret the graph with numpy in `precision` (float64 or float32); outputs rounded to float32."""
    dt = np.float64 if precision == "float64" else np.float32
    env: dict[str, np.ndarray] = {k: v.astype(dt) for k, v in graph.initializers.items()}
    env.update({k: v.astype(dt) for k, v in feeds.items()})
    for node in graph.nodes:
        ins = [env[i] if i else None for i in node.inputs]
        op = node.op_type
        if op == "Conv":
            y = np_conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, conv_params(node, ins[1]))
        elif op == "Relu":
            check_attrs(node, set())
            y = np.maximum(ins[0], dt(0))
        elif op == "GlobalAveragePool":
            check_attrs(node, set())
            y = ins[0].mean(axis=tuple(range(2, ins[0].ndim)), keepdims=True, dtype=dt)
        elif op == "Flatten":
            y = ins[0].reshape(flatten_shape(node, ins[0].shape))
        elif op == "Gemm":
            alpha, beta, ta, tb = gemm_params(node)
            a = ins[0].T if ta else ins[0]
            bm = ins[1].T if tb else ins[1]
            y = a @ bm
            if alpha != 1.0:
                y = dt(alpha) * y
            if len(ins) > 2 and ins[2] is not None:
                y = y + (ins[2] if beta == 1.0 else dt(beta) * ins[2])
        else:
            raise OracleError(f"op {op} is not in this script's op table")  # validate_graph stops this earlier
        env[node.outputs[0]] = y.astype(dt, copy=False)
    return {o.name: env[o.name].astype(np.float32) for o in graph.outputs}


def run_torch(graph: Graph, feeds: dict[str, np.ndarray], device: Any, weights: dict[str, Any]) -> dict[str, np.ndarray]:
    """Interpret the graph with torch.nn.functional in float32 on `device`."""
    import torch  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: PLC0415

    env: dict[str, Any] = dict(weights)
    env.update({k: torch.from_numpy(np.array(v, dtype=np.float32)).to(device) for k, v in feeds.items()})
    for node in graph.nodes:
        ins = [env[i] if i else None for i in node.inputs]
        op = node.op_type
        if op == "Conv":
            p = conv_params(node, ins[1])
            x = ins[0]
            pt, pl, pb, pr = p.pads
            if (pt, pl) == (pb, pr):
                padding = (pt, pl)
            else:  # F.pad takes (left, right, top, bottom) for the last two dims
                x, padding = F.pad(x, (pl, pr, pt, pb)), (0, 0)
            y = F.conv2d(x, ins[1], ins[2] if len(ins) > 2 else None, stride=p.strides, padding=padding, dilation=p.dilations, groups=p.group)
        elif op == "Relu":
            check_attrs(node, set())
            y = torch.relu(ins[0])
        elif op == "GlobalAveragePool":
            check_attrs(node, set())
            y = ins[0].mean(dim=tuple(range(2, ins[0].dim())), keepdim=True)
        elif op == "Flatten":
            y = ins[0].reshape(flatten_shape(node, tuple(ins[0].shape)))
        elif op == "Gemm":
            alpha, beta, ta, tb = gemm_params(node)
            a = ins[0].t() if ta else ins[0]
            bm = ins[1].t() if tb else ins[1]
            if len(ins) > 2 and ins[2] is not None:
                y = torch.addmm(ins[2], a, bm, beta=beta, alpha=alpha)
            else:
                y = torch.mm(a, bm) if alpha == 1.0 else alpha * torch.mm(a, bm)
        else:
            raise OracleError(f"op {op} is not in this script's op table")
        env[node.outputs[0]] = y
    return {o.name: env[o.name].detach().to("cpu").numpy().astype(np.float32) for o in graph.outputs}


OP_TABLE = ("Conv", "Relu", "GlobalAveragePool", "Flatten", "Gemm")


def validate_graph(graph: Graph, model: str) -> None:
    """Stop before running anything the op table cannot compute exactly as ONNX defines it."""
    version = graph.opsets.get("", graph.opsets.get("ai.onnx"))
    if version is None or version not in SUPPORTED_OPSETS:
        raise OracleError(f"{model}: default-domain opset {version} is outside the opsets this op table follows ({SUPPORTED_OPSETS.start}..{SUPPORTED_OPSETS.stop - 1})")
    others = [n for n in graph.nodes if n.op_type not in OP_TABLE or n.domain not in ("", "ai.onnx")]
    if others:
        names = sorted({f"{n.domain + '.' if n.domain else ''}{n.op_type}" for n in others})
        raise OracleError(f"{model}: ops outside this script's table {list(OP_TABLE)}: {', '.join(names)}")
    for n in graph.nodes:
        if len(n.outputs) != 1:
            raise OracleError(f"{model}: {n.op_type} with {len(n.outputs)} outputs is not supported")
    for v in graph.feeds() + graph.outputs:
        if v.elem_type != 1:
            raise OracleError(f"{model}: {v.name!r} is {ONNX_ELEM_TO_DTYPE.get(v.elem_type, v.elem_type)}; only float32 graph inputs and outputs are supported")
    for k, v in graph.initializers.items():
        if v.dtype != np.float32:
            raise OracleError(f"{model}: initializer {k!r} is {v.dtype}; the op table computes in float32 only")


def check_feeds(graph: Graph, entry: InputEntry, model: str) -> dict[str, np.ndarray]:
    want = {v.name: v for v in graph.feeds()}
    if sorted(want) != sorted(entry.tensors):
        raise OracleError(f"input {entry.key!r}: tensors {sorted(entry.tensors)} do not match {model}'s inputs {sorted(want)}")
    feeds = {}
    for name, (dtype, arr) in entry.tensors.items():
        dims = want[name].dims
        if dtype != "float32":
            raise OracleError(f"input {entry.key!r}: {name!r} is {dtype}, {model} takes float32")
        if len(dims) != arr.ndim or any(isinstance(d, int) and d != s for d, s in zip(dims, arr.shape)):
            raise OracleError(f"input {entry.key!r}: {name!r} has shape {list(arr.shape)}, {model} declares {dims}")
        feeds[name] = arr
    return feeds


# ---------------------------------------------------------------------------------------------
# The article's preprocessing, run here with the real Pillow and numpy (--images)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def article_preprocess(path: str, H: int, W: int) -> np.ndarray:
    """trt-parity's --pipeline pil, verbatim from the article: PIL decode, BILINEAR, float64 tuple arithmetic."""
    from PIL import Image  # noqa: PLC0415  (only --images needs Pillow)
    img = Image.open(path).convert("RGB")              # no EXIF transpose, no ICC transform
    if img.size != (W, H):
        img = img.resize((W, H), Image.BILINEAR)
    x = np.asarray(img).astype(np.float32)
    x /= 255.0
    x -= IMAGENET_MEAN
    x /= IMAGENET_STD
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


def check_against_article(feeds_by_key: list[tuple[InputEntry, dict[str, np.ndarray]]], images_dir: str) -> dict[str, Any]:
    """Recompute every input from its image with the article's code; it must equal the saved input byte for byte."""
    import PIL  # noqa: PLC0415
    for e, feeds in feeds_by_key:
        if len(feeds) != 1:
            raise OracleError(f"--images: entry {e.key!r} has {len(feeds)} inputs; the article's code makes one image tensor")
        (name, saved), = feeds.items()
        if saved.ndim != 4 or saved.shape[:2] != (1, 3):
            raise OracleError(f"--images: entry {e.key!r} input {name!r} has shape {list(saved.shape)}, not [1,3,H,W]")
        mine = article_preprocess(os.path.join(images_dir, e.key), int(saved.shape[2]), int(saved.shape[3]))
        if mine.tobytes() != np.ascontiguousarray(saved, "<f4").tobytes():
            differ = int(np.count_nonzero(mine != saved))
            raise OracleError(f"--images: {e.key!r}: the article's PIL + numpy code gives another tensor than the saved input "
                              f"({differ} of {mine.size} values differ; Pillow {PIL.__version__}: trt-parity follows Pillow >= 13, "
                              "whose resize runs the vertical pass first when the height shrinks much more than the width; "
                              "and the inputs must have been saved with --pipeline pil)")
        feeds[name] = mine
    return {"pipeline": "pil", "images": images_dir, "Pillow": PIL.__version__,
            "code": "Image.open(p).convert('RGB'); resize((W,H), BILINEAR) if needed; x/=255.0; x-=MEAN; x/=STD (tuples); NCHW",
            "equal_to_saved_inputs": True}


# ---------------------------------------------------------------------------------------------
# torch setup: exact float32 everywhere, and a measurement that proves it

def configure_exact_float32(torch: Any) -> dict[str, Any]:
    """Turn TF32 off for cuDNN convolutions and cuBLAS matmuls; report what the flags read back.

    PyTorch >= 2.9 has per-backend `fp32_precision` settings and refuses a mix of those and the
    legacy `allow_tf32` flags (reading one after writing the other can raise), so one API is
    used: the new one where it exists, else `cudnn.allow_tf32 = False` and
    `cuda.matmul.allow_tf32 = False`. Either way precision_probe then measures the result.
    """
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    settings: dict[str, Any] = {"cudnn.benchmark": False, "cudnn.deterministic": True}
    if _has_path(torch.backends, "cudnn.conv.fp32_precision") and _has_path(torch.backends, "fp32_precision"):
        try:
            names = ("fp32_precision", "cuda.matmul.fp32_precision", "cudnn.fp32_precision", "cudnn.conv.fp32_precision", "cudnn.rnn.fp32_precision")
            for name in names:
                _set_path(torch.backends, name, "ieee")
            settings["api"] = "fp32_precision = 'ieee' (PyTorch >= 2.9; the allow_tf32 = False of older releases)"
            settings.update({name: _get_path(torch.backends, name) for name in names})
            return settings
        except Exception as e:  # noqa: BLE001 - an API in flux: fall back, the probe has the last word
            settings["fp32_precision_error"] = f"{type(e).__name__}: {e}"
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    settings["api"] = "legacy allow_tf32 flags"
    for name in ("cudnn.allow_tf32", "cuda.matmul.allow_tf32"):
        try:
            settings[name] = bool(_get_path(torch.backends, name))
        except Exception as e:  # noqa: BLE001
            settings[name] = f"unreadable ({type(e).__name__}: {e})"
    return settings


def _get_path(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def _set_path(obj: Any, dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    setattr(_get_path(obj, ".".join(parents)) if parents else obj, last, value)


def _has_path(obj: Any, dotted: str) -> bool:
    try:
        _get_path(obj, dotted)
        return True
    except Exception:  # noqa: BLE001 - a getter that raises counts as absent
        return False


def precision_probe(torch: Any, device: Any) -> dict[str, float]:
    """Relative error of a float32 matmul and conv on `device` against float64 on the CPU.

    Exact float32 gives ~1e-6, TF32 (10-bit mantissa) ~3e-4: see PROBE_MAX_REL. Measured rather
    than trusted to flags, because flag semantics have changed between PyTorch releases.
    """
    g = torch.Generator().manual_seed(0)
    a = torch.rand(256, 512, generator=g, dtype=torch.float64) - 0.5
    b = torch.rand(512, 256, generator=g, dtype=torch.float64) - 0.5
    x = torch.rand(1, 32, 32, 32, generator=g, dtype=torch.float64) - 0.5
    w = torch.rand(32, 32, 3, 3, generator=g, dtype=torch.float64) - 0.5

    def rel(got: Any, ref: Any) -> float:
        return float((got.double().cpu() - ref).abs().max() / ref.abs().max())

    mm = rel(torch.mm(a.float().to(device), b.float().to(device)), a @ b)
    conv = rel(torch.nn.functional.conv2d(x.float().to(device), w.float().to(device), padding=1), torch.nn.functional.conv2d(x, w, padding=1))
    return {"matmul_rel_err": mm, "conv_rel_err": conv}


def torch_environment(torch: Any, device: Any) -> dict[str, Any]:
    env: dict[str, Any] = {"torch": torch.__version__, "device": str(device)}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        env.update({
            "cuda_runtime": torch.version.cuda, "cudnn": torch.backends.cudnn.version(),
            "gpu": props.name, "compute_capability": f"{props.major}.{props.minor}",
            "gpu_memory_gib": round(props.total_memory / 2**30, 1),
        })
        try:
            smi = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"], capture_output=True, text=True, timeout=20)
            if smi.returncode == 0:
                env["driver"] = smi.stdout.strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError):
            pass
    else:
        env["cpu_threads"] = torch.get_num_threads()
    return env


# ---------------------------------------------------------------------------------------------

def sha256_file(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tool_version() -> str:
    """This repository's package.json version, as SavedRunWriter records its own."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        with open(os.path.join(here, "..", "..", "package.json"), encoding="utf-8") as f:
            return str(json.load(f)["version"])
    except (OSError, ValueError, KeyError):
        return "unknown"


def allclose_stats(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> dict[str, Any]:
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    diff = np.abs(a64 - b64)
    nz = b64 != 0
    return {
        "max_abs": float(diff.max()) if diff.size else 0.0,
        "max_rel": float((diff[nz] / np.abs(b64[nz])).max()) if nz.any() else 0.0,
        "allclose": bool(np.all(diff <= atol + rtol * np.abs(b64))),
        "top1_agree": bool(np.argmax(a, axis=-1).tolist() == np.argmax(b, axis=-1).tolist()),
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="torch_reference.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog="\n\n".join(__doc__.split("\n\n")[1:3]))
    p.add_argument("inputs_dir", help="saved run of preprocessed inputs (trt-parity compare ... --save-inputs DIR)")
    p.add_argument("model", help="the ONNX model (its graph and initializers are interpreted here)")
    p.add_argument("out_dir", help="where to write the saved run of outputs (must be missing or empty)")
    p.add_argument("--engine", choices=["torch", "numpy"], default="torch")
    p.add_argument("--device", default="cuda", help="torch device (default cuda; cpu to try the torch path without a GPU)")
    p.add_argument("--numpy-precision", choices=["float64", "float32"], default="float64",
                   help="the numpy engine's arithmetic (default float64: a more accurate reference than either float32 backend)")
    p.add_argument("--onnx-reader", choices=["auto", "onnx", "builtin"], default="auto",
                   help="auto: the onnx package when importable, cross-checked against the builtin reader")
    p.add_argument("--source", help="producer.source in the manifest (default: MODEL as given)")
    p.add_argument("--images", help="folder of the images the inputs were saved from: recompute each input there with the article's "
                                    "PIL + numpy code (trt-parity --pipeline pil), require it to equal the saved input byte for byte, "
                                    "and record pipeline 'pil' in the manifest and provenance")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started = _dt.datetime.now(_dt.timezone.utc)
    if os.path.exists(args.out_dir) and (not os.path.isdir(args.out_dir) or os.listdir(args.out_dir)):
        raise OracleError(f"{args.out_dir}: exists and is not an empty directory; refusing to write into it")

    graph = load_graph(args.model, args.onnx_reader)
    validate_graph(graph, args.model)
    inputs_manifest, entries = read_inputs_run(args.inputs_dir)
    feeds_by_key = [(e, check_feeds(graph, e, args.model)) for e in entries]
    log = lambda msg: print(f"torch_reference: {msg}", file=sys.stderr)  # noqa: E731
    log(f"model {args.model}: {len(graph.nodes)} nodes ({', '.join(n.op_type for n in graph.nodes)}), read by {graph.reader}")
    log(f"inputs {args.inputs_dir}: {len(entries)} entries, digests verified")
    preprocess_check = check_against_article(feeds_by_key, args.images) if args.images else None
    if preprocess_check is not None:
        log(f"inputs recomputed from {args.images} with Pillow {preprocess_check['Pillow']} + numpy (article code): byte-identical")
    saved_pre = inputs_manifest.get("preprocess")
    pipeline = "pil" if preprocess_check is not None else (saved_pre.get("pipeline") if isinstance(saved_pre, dict) else None)

    provenance: dict[str, Any] = {
        "what": "outputs of the model computed independently of ONNX Runtime and TensorRT, by interpreting its ONNX graph",
        "engine": args.engine,
        "command": " ".join(shlex.quote(a) for a in ["python3", os.path.relpath(__file__), *argv]),
        "date_utc": started.replace(microsecond=0).isoformat(),
        "script_sha256": sha256_file(__file__),
        "model": {"path": args.model, "sha256": sha256_file(args.model), "reader": graph.reader, "reader_notes": graph.notes,
                  "ops": [n.op_type for n in graph.nodes], "opsets": graph.opsets, "ir_version": graph.ir_version},
        "inputs": {"path": args.inputs_dir, "manifest_sha256": sha256_file(os.path.join(args.inputs_dir, MANIFEST_FILE)),
                   "producer": inputs_manifest.get("producer"), "keys": [e.key for e in entries],
                   "pipeline": pipeline, "preprocess_check": preprocess_check},
        "python": platform.python_version(), "numpy": np.__version__, "platform": platform.platform(),
    }

    results: list[tuple[InputEntry, dict[str, np.ndarray]]] = []
    if args.engine == "numpy":
        for e, feeds in feeds_by_key:
            results.append((e, run_numpy(graph, feeds, args.numpy_precision)))
        provenance["numpy_engine"] = {"precision": args.numpy_precision, "outputs_rounded_to": "float32"}
        backend, detail = "numpy", f"numpy {np.__version__} {args.numpy_precision} graph interpreter (scripts/oracle/torch_reference.py)"
    else:
        try:
            import torch  # noqa: PLC0415
        except ImportError:
            raise OracleError("--engine torch: PyTorch is not importable in this Python (use --engine numpy to check the graph interpretation)")
        device = torch.device(args.device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise OracleError("--device cuda: torch.cuda.is_available() is False (no GPU or no CUDA build); pass --device cpu to try the torch path")
        settings = configure_exact_float32(torch)
        probe = precision_probe(torch, device)
        if max(probe.values()) > PROBE_MAX_REL:
            raise OracleError(f"float32 on {device} is not exact float32 (relative errors {probe}): TF32 or another reduced precision is in use")
        environment = torch_environment(torch, device)
        log(f"torch {torch.__version__} on {environment.get('gpu', device)}, TF32 off ({settings['api']}), probe {probe}")
        weights = {k: torch.from_numpy(np.array(v, dtype=np.float32)).to(device) for k, v in graph.initializers.items()}
        checks: dict[str, Any] = {}
        with torch.no_grad():
            for e, feeds in feeds_by_key:
                out = run_torch(graph, feeds, device, weights)
                again = run_torch(graph, feeds, device, weights)
                reference = run_numpy(graph, feeds, "float64")
                per_key: dict[str, Any] = {"deterministic": all(np.array_equal(out[k], again[k]) for k in out)}
                for name in out:
                    s = allclose_stats(out[name], reference[name], SELF_CHECK_RTOL, SELF_CHECK_ATOL)
                    per_key[name] = s
                    if not s["allclose"]:
                        raise OracleError(f"input {e.key!r}, output {name!r}: torch on {device} is not within rtol={SELF_CHECK_RTOL}/atol={SELF_CHECK_ATOL} "
                                          f"of the float64 numpy interpretation ({s}); nothing written")
                checks[e.key] = per_key
                results.append((e, out))
        provenance["torch"] = {**environment, "tf32": settings, "precision_probe": probe,
                               "self_check": {"reference": "numpy float64 interpretation of the same graph",
                                              "rtol": SELF_CHECK_RTOL, "atol": SELF_CHECK_ATOL, "per_input": checks}}
        where = environment.get("gpu", str(device))
        cuda = f" cuda {environment['cuda_runtime']}" if "cuda_runtime" in environment else ""
        backend, detail = "pytorch", f"pytorch {torch.__version__}{cuda} {where}, float32, TF32 off"

    for e, out in results:
        for name, arr in out.items():
            if not np.all(np.isfinite(arr)):
                raise OracleError(f"input {e.key!r}, output {name!r}: non-finite values; nothing written")

    producer = {"backend": backend, "source": args.source or args.model, "tool": "trt-parity", "toolVersion": tool_version(), "detail": detail}
    declared_inputs = [{"name": v.name, "dtype": ONNX_ELEM_TO_DTYPE[v.elem_type], "shape": v.dims} for v in graph.feeds()]
    declared_outputs = [{"name": v.name, "dtype": "float32", "shape": [int(d) for d in results[0][1][v.name].shape]} for v in graph.outputs]
    os.makedirs(args.out_dir, exist_ok=True)
    write_outputs_run(args.out_dir, producer, declared_inputs, declared_outputs, results, pipeline)
    provenance["producer"] = producer
    provenance["outputs"] = {e.key: {name: {"sha256": hashlib.sha256(np.ascontiguousarray(a, "<f4").tobytes()).hexdigest(),
                                             "top1": int(np.argmax(a)), "max_abs_value": float(np.abs(a).max())} for name, a in out.items()}
                             for e, out in results}
    with open(os.path.join(args.out_dir, PROVENANCE_FILE), "w", encoding="utf-8") as f:
        f.write(json.dumps(provenance, indent=1) + "\n")
    log(f"wrote {args.out_dir}: {len(results)} entries ({backend}), {MANIFEST_FILE} and {PROVENANCE_FILE}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except OracleError as err:
        print(f"torch_reference: {err}", file=sys.stderr)
        sys.exit(2)
