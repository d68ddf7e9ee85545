"""The wire format between the grader and the student's process: JSON and raw bytes.

Nothing is ever pickled. A message is a JSON header describing a tree of plain
values (None, bool, int, float, str, list, tuple, dict with str keys) whose
arrays travel as raw little-endian buffers after the header. The reader checks
every size, dtype and shape before it builds an array, so a hostile child can
send wrong numbers but never code, never an object that lies about itself, and
never more than ``max_bytes``.

This module runs on both sides and imports only the standard library and numpy.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

MAX_BYTES = 256 * 2**20  # one message, header and arrays together
MAX_HEADER = 4 * 2**20
ALLOWED_KINDS = "biuf"  # bool, int, unsigned, float: no objects, no strings, no complex


class ProtocolError(Exception):
    """A message that breaks the format or its limits."""


class Handle:
    """An object that stays inside the student's process (a cache), named by number."""

    def __init__(self, ident: int) -> None:
        self.ident = ident

    def __repr__(self) -> str:
        return f"<object kept in the student's process #{self.ident}>"


class Opaque:
    """A returned value of a type that cannot cross: only its type name does."""

    def __init__(self, type_name: str, reason: str = "") -> None:
        self.type_name, self.reason = type_name, reason

    def __repr__(self) -> str:
        return f"<{self.type_name}{': ' + self.reason if self.reason else ''}>"


@dataclass(frozen=True)
class SeedArg:
    """A ``numpy.random.Generator`` to be made from ``seed`` on the receiving side."""

    seed: int


def encode(value: Any, max_bytes: int = MAX_BYTES) -> tuple[Any, list[bytes]]:
    """A value tree as (JSON-able header, list of array buffers)."""
    buffers: list[bytes] = []
    budget = [max_bytes]

    def walk(v: Any) -> Any:
        # bool before int: bool is a subclass of int.
        if v is None:
            return {"t": "none"}
        if isinstance(v, bool | np.bool_):
            return {"t": "bool", "v": bool(v)}
        if isinstance(v, int | np.integer):
            return {"t": "int", "v": int(v)}
        if isinstance(v, float | np.floating):
            return {"t": "float", "v": float(v)}
        if isinstance(v, str):
            return {"t": "str", "v": v[:100_000]}
        if isinstance(v, Handle):
            return {"t": "handle", "id": v.ident}
        if isinstance(v, SeedArg):
            return {"t": "seed", "v": int(v.seed)}
        if isinstance(v, Opaque):
            return {"t": "opaque", "type": v.type_name, "reason": v.reason}
        if isinstance(v, np.ndarray):
            if v.dtype.kind not in ALLOWED_KINDS or v.dtype.itemsize > 8:
                return {"t": "opaque", "type": f"ndarray of dtype {v.dtype}", "reason": ""}
            nbytes = int(np.prod(v.shape, dtype=np.int64)) * v.dtype.itemsize
            if nbytes > budget[0]:
                return {"t": "opaque", "type": f"ndarray of shape {v.shape}", "reason": "too large"}
            budget[0] -= nbytes
            plain = np.ascontiguousarray(np.asarray(v).view(np.ndarray), dtype=v.dtype.newbyteorder("<"))
            buffers.append(plain.tobytes())
            return {"t": "array", "dtype": plain.dtype.str, "shape": list(v.shape), "buf": len(buffers) - 1}
        if isinstance(v, list | tuple):
            return {"t": type(v).__name__ if type(v) in (list, tuple) else "list",
                    "items": [walk(item) for item in v]}
        if isinstance(v, dict) and all(isinstance(k, str) for k in v):
            return {"t": "dict", "items": {k: walk(item) for k, item in v.items()}}
        return {"t": "opaque", "type": type(v).__name__, "reason": ""}

    return walk(value), buffers


def decode(header: Any, buffers: list[bytes]) -> Any:
    """The value tree of a header; arrays are fresh, writable, plain ndarrays."""

    def walk(node: Any) -> Any:
        if not isinstance(node, dict) or "t" not in node:
            raise ProtocolError("malformed value")
        kind = node["t"]
        if kind == "none":
            return None
        if kind in ("bool", "int", "float", "str"):
            value = node["v"]
            expected = {"bool": bool, "int": int, "float": (float, int), "str": str}[kind]
            if not isinstance(value, expected):
                raise ProtocolError(f"a {kind} that is not one")
            return float(value) if kind == "float" else value
        if kind == "handle":
            return Handle(int(node["id"]))
        if kind == "seed":
            return SeedArg(int(node["v"]))
        if kind == "opaque":
            return Opaque(str(node["type"])[:200], str(node.get("reason", ""))[:200])
        if kind == "array":
            dtype = np.dtype(node["dtype"])
            if dtype.kind not in ALLOWED_KINDS or dtype.itemsize > 8:
                raise ProtocolError(f"array dtype {dtype} is not allowed")
            shape = tuple(int(s) for s in node["shape"])
            if any(s < 0 for s in shape):
                raise ProtocolError("negative array dimension")
            data = buffers[int(node["buf"])]
            if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != len(data):
                raise ProtocolError("array size does not match its buffer")
            return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
        if kind in ("list", "tuple"):
            items = [walk(item) for item in node["items"]]
            return items if kind == "list" else tuple(items)
        if kind == "dict":
            return {str(k): walk(v) for k, v in node["items"].items()}
        raise ProtocolError(f"unknown value type {kind!r}")

    return walk(header)


def write_message(stream: BinaryIO, header: Any, buffers: list[bytes]) -> None:
    """Frame: header length, header JSON, buffer count, then each buffer with its length."""
    data = json.dumps(header).encode()
    parts = [struct.pack("<Q", len(data)), data, struct.pack("<Q", len(buffers))]
    for buf in buffers:
        parts += [struct.pack("<Q", len(buf)), buf]
    stream.write(b"".join(parts))
    stream.flush()


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_message(stream: BinaryIO, max_bytes: int = MAX_BYTES) -> tuple[Any, list[bytes]]:
    """Read one frame, refusing anything beyond the limits before allocating it."""
    (size,) = struct.unpack("<Q", _read_exact(stream, 8))
    if size > MAX_HEADER:
        raise ProtocolError(f"header of {size} bytes is over the limit")
    header = json.loads(_read_exact(stream, size))
    (count,) = struct.unpack("<Q", _read_exact(stream, 8))
    buffers, total = [], 0
    for _ in range(count):
        (length,) = struct.unpack("<Q", _read_exact(stream, 8))
        total += length
        if total > max_bytes:
            raise ProtocolError(f"message of more than {max_bytes} bytes")
        buffers.append(_read_exact(stream, length))
    return header, buffers
