"""The wire format between the grader and the student's process: JSON and raw bytes.

Nothing is ever pickled. A message is a JSON header describing a tree of plain
values (None, bool, int, float, str, list, tuple, dict with str keys) whose
arrays travel as raw little-endian buffers after the header. The reader checks
every size, dtype and shape before it builds an array, so a hostile child can
send wrong numbers but never code, never an object that lies about itself, and
never more than ``max_bytes``.

The sender sees only real types: ``type(value)``, not ``isinstance``, which an
object can fool with a ``__class__`` property, and an ndarray subclass crosses
as the plain ndarray of its data (its methods, such as a lying ``__eq__``,
stay behind).

This module runs on both sides and imports only the standard library and numpy.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

MAX_BYTES = 256 * 2**20  # the arrays of one message
MAX_HEADER = 4 * 2**20  # its JSON header
MAX_BUFFERS = 10_000  # arrays in one message: each costs the reader a list entry before any check
MAX_DEPTH = 64  # nesting of lists, tuples and dicts
MAX_STR = 100_000  # characters of one string; longer ones are cut by the sender
MAX_SKIP = 10_000  # numbers a generator sent as a seed may have drawn already
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
    """A ``numpy.random.Generator`` to be made from ``seed`` on the receiving side.

    ``skip``: how many numbers it has drawn already (a generator in another state, same seed).
    """

    seed: int
    skip: int = 0

    def generator(self) -> np.random.Generator:
        rng = np.random.default_rng(self.seed)
        if self.skip:
            rng.random(self.skip)
        return rng


def map_leaves(value: Any, replace: Callable[[Any], Any]) -> Any:
    """Rebuild a tree of lists, tuples and dicts with ``replace`` applied to every leaf, in order.

    Only the exact types are containers: a NamedTuple, a dataclass, a dict or list subclass (a
    student's cache kept in its process) is a leaf, passed to ``replace`` as the very object.
    """
    if type(value) is dict:
        return {key: map_leaves(item, replace) for key, item in value.items()}
    if type(value) in (list, tuple):
        return type(value)(map_leaves(item, replace) for item in value)
    return replace(value)


def _allowed(dtype: np.dtype) -> bool:
    return dtype.kind in ALLOWED_KINDS and dtype.itemsize <= 8 and dtype.fields is None


def encode(value: Any, max_bytes: int = MAX_BYTES) -> tuple[Any, list[bytes]]:
    """A value tree as (JSON-able header, list of array buffers).

    An array that does not fit in what is left of ``max_bytes`` (a lazily
    broadcast view counts as what it would cost once copied) and an array of a
    dtype that cannot cross become ``Opaque``: the receiver learns what it was.
    """
    buffers: list[bytes] = []
    budget = [max_bytes]

    def walk(v: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ProtocolError(f"a value nested more than {MAX_DEPTH} levels deep")
        kind = type(v)
        # bool before int: bool is a subclass of int.
        if v is None:
            return {"t": "none"}
        if issubclass(kind, bool | np.bool_):
            return {"t": "bool", "v": bool(v)}
        if issubclass(kind, int | np.integer):
            return {"t": "int", "v": int.__index__(v) if issubclass(kind, int) else int(v)}
        if issubclass(kind, float | np.floating):
            return {"t": "float", "v": float.__float__(v) if issubclass(kind, float) else float(v)}
        if issubclass(kind, str):
            return {"t": "str", "v": str.__getitem__(v, slice(0, MAX_STR))}
        if kind is Handle:
            return {"t": "handle", "id": v.ident}
        if kind is SeedArg:
            return {"t": "seed", "v": int(v.seed), "skip": int(v.skip)}
        if kind is Opaque:
            return {"t": "opaque", "type": v.type_name, "reason": v.reason}
        if issubclass(kind, np.ndarray):
            plain = np.ndarray.view(v, np.ndarray)  # the data only: no method of a subclass runs
            if not _allowed(plain.dtype):
                return {"t": "opaque", "type": f"ndarray of dtype {plain.dtype}", "reason": ""}
            nbytes = math.prod(plain.shape) * plain.dtype.itemsize
            if nbytes > budget[0]:
                return {"t": "opaque", "type": f"ndarray of shape {plain.shape}", "reason": "too large"}
            budget[0] -= nbytes
            plain = plain.astype(plain.dtype.newbyteorder("<"), copy=False)  # tobytes() writes C order
            buffers.append(plain.tobytes())
            return {"t": "array", "dtype": plain.dtype.str, "shape": list(plain.shape),
                    "buf": len(buffers) - 1}
        if issubclass(kind, list | tuple):
            return {"t": "tuple" if issubclass(kind, tuple) else "list",
                    "items": [walk(item, depth + 1) for item in v]}
        if issubclass(kind, dict) and all(type(k) is str for k in v):
            return {"t": "dict", "items": {k: walk(item, depth + 1) for k, item in v.items()}}
        return {"t": "opaque", "type": kind.__name__, "reason": ""}

    return walk(value, 0), buffers


_SCALARS = {"bool": bool, "int": int, "float": (float, int), "str": str}  # a scalar's JSON types


def decode(header: Any, buffers: list[bytes]) -> Any:
    """The value tree of a header; arrays are fresh, writable, plain ndarrays.

    Raises ``ProtocolError`` for anything malformed: a wrong type, a dtype that
    is not plain numbers, a shape that does not match its buffer, a buffer used
    twice (which would let a small message decode into huge memory), nesting
    deeper than ``MAX_DEPTH``.
    """
    used: set[int] = set()

    def expect(value: Any, kind: type | tuple[type, ...], what: str) -> Any:
        if type(value) not in (kind if isinstance(kind, tuple) else (kind,)):
            raise ProtocolError(f"malformed {what}")
        return value

    def array(node: dict) -> np.ndarray:
        dtype = np.dtype(expect(node.get("dtype"), str, "array dtype"))
        if not _allowed(dtype):
            raise ProtocolError(f"array dtype {dtype} is not allowed")
        shape = tuple(expect(s, int, "array shape") for s in expect(node.get("shape"), list, "array shape"))
        if any(s < 0 for s in shape):
            raise ProtocolError("negative array dimension")
        index = expect(node.get("buf"), int, "array buffer")
        if not 0 <= index < len(buffers) or index in used:
            raise ProtocolError("an array names a missing or already used buffer")
        used.add(index)
        data = buffers[index]
        if math.prod(shape) * dtype.itemsize != len(data):  # Python's ints: no overflow to fool it
            raise ProtocolError("array size does not match its buffer")
        return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))

    def walk(node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ProtocolError(f"a value nested more than {MAX_DEPTH} levels deep")
        kind = expect(expect(node, dict, "value").get("t"), str, "value type")
        if kind == "none":
            return None
        if kind in _SCALARS:
            value = expect(node.get("v"), _SCALARS[kind], kind)
            return float(value) if kind == "float" else value
        if kind == "handle":
            return Handle(expect(node.get("id"), int, "handle"))
        if kind == "seed":
            skip = expect(node.get("skip", 0), int, "skip")
            if not 0 <= skip <= MAX_SKIP:
                raise ProtocolError(f"a generator that drew {skip} numbers")
            return SeedArg(expect(node.get("v"), int, "seed"), skip)
        if kind == "opaque":
            return Opaque(str(node.get("type"))[:200], str(node.get("reason", ""))[:200])
        if kind == "array":
            return array(node)
        if kind in ("list", "tuple"):
            items = [walk(item, depth + 1) for item in expect(node.get("items"), list, kind)]
            return items if kind == "list" else tuple(items)
        if kind == "dict":
            return {k: walk(v, depth + 1) for k, v in expect(node.get("items"), dict, "dict").items()}
        raise ProtocolError(f"unknown value type {kind[:50]!r}")

    try:
        return walk(header, 0)
    except (TypeError, ValueError, OverflowError, MemoryError) as exc:  # numpy's view of a bad dtype or shape
        raise ProtocolError(f"malformed value: {exc}"[:300]) from None


def write_message(stream: BinaryIO, header: Any, buffers: list[bytes]) -> None:
    """Frame: header length, header JSON, buffer count, then each buffer with its length."""
    data = json.dumps(header).encode()
    if len(data) > MAX_HEADER:
        raise ProtocolError(f"a message header of {len(data)} bytes is over the limit of {MAX_HEADER}")
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
    """Read one whole frame, refusing anything beyond the limits before allocating it.

    The header is parsed only once the frame is read to its end, so a frame
    with a bad header leaves nothing of itself in the stream.
    """
    (size,) = struct.unpack("<Q", _read_exact(stream, 8))
    if size > MAX_HEADER:
        raise ProtocolError(f"header of {size} bytes is over the limit")
    data = _read_exact(stream, size)
    (count,) = struct.unpack("<Q", _read_exact(stream, 8))
    if count > MAX_BUFFERS:
        raise ProtocolError(f"a message of {count} arrays is over the limit of {MAX_BUFFERS}")
    buffers, total = [], 0
    for _ in range(count):
        (length,) = struct.unpack("<Q", _read_exact(stream, 8))
        total += length
        if total > max_bytes:
            raise ProtocolError(f"a message of more than {max_bytes} bytes of arrays")
        buffers.append(_read_exact(stream, length))
    try:
        header = json.loads(data)
    except (ValueError, RecursionError) as exc:  # not JSON, too deep, an integer of 5000 digits
        raise ProtocolError(f"the header is not valid JSON ({type(exc).__name__})") from None
    return header, buffers
