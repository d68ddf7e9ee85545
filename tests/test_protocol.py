"""The wire format: plain values round-trip; anything oversized, mistyped or inconsistent is refused.

The grader reads every reply of the student's process with ``read_message`` and
``decode``, so these are the tests of what a hostile child can make the grader
allocate or believe.
"""

from __future__ import annotations

import io
import json
import struct

import numpy as np
import pytest

from autograder.protocol import (
    MAX_BUFFERS,
    MAX_DEPTH,
    MAX_HEADER,
    MAX_STR,
    Handle,
    Opaque,
    ProtocolError,
    SeedArg,
    decode,
    encode,
    read_message,
    write_message,
)


def through_the_wire(value, max_bytes: int = 2**20):
    stream = io.BytesIO()
    write_message(stream, *encode(value, max_bytes))
    stream.seek(0)
    return decode(*read_message(stream, max_bytes))


def frame(header, buffers=()) -> io.BytesIO:
    """A raw frame as a hostile sender could write it."""
    data = json.dumps(header).encode()
    parts = [struct.pack("<Q", len(data)), data, struct.pack("<Q", len(buffers))]
    for buf in buffers:
        parts += [struct.pack("<Q", len(buf)), buf]
    return io.BytesIO(b"".join(parts))


def array_header(dtype: str, shape: list, buf: int = 0) -> dict:
    return {"t": "array", "dtype": dtype, "shape": shape, "buf": buf}


# --- what crosses ------------------------------------------------------------------------------------

def test_nested_values_round_trip_with_their_types():
    value = {
        "loss": 1.5, "count": 3, "flag": True, "none": None, "name": "hello",
        "pair": (np.arange(6.0).reshape(2, 3), [np.int64(7), np.float32(0.5), np.bool_(False)]),
        "arrays": [np.zeros((0, 4)), np.array(2.5), np.arange(5, dtype=np.uint16), np.array([True, False]),
                   np.arange(12, dtype=np.int8).reshape(3, 4)[:, ::2], np.arange(3, dtype=">f8")],
        "kept": Handle(4), "rng": SeedArg(42), "opaque": Opaque("generator", "cannot cross"),
    }
    back = through_the_wire(value)
    assert back.keys() == value.keys() and back["loss"] == 1.5 and back["none"] is None
    assert type(back["count"]) is int and back["flag"] is True and type(back["pair"]) is tuple
    assert [type(v) for v in back["pair"][1]] == [int, float, bool]
    for sent, got in zip(value["arrays"] + [value["pair"][0]], back["arrays"] + [back["pair"][0]]):
        assert type(got) is np.ndarray and got.flags.writeable and got.dtype.isnative
        assert got.shape == sent.shape and got.dtype.kind == sent.dtype.kind and np.array_equal(got, sent)
    assert back["kept"].ident == 4 and back["rng"] == SeedArg(42) and back["opaque"].type_name == "generator"


def test_two_frames_in_a_row_are_read_apart():
    stream = io.BytesIO()
    for value in ([np.ones(3)], {"b": np.zeros(2)}):
        write_message(stream, *encode(value))
    stream.seek(0)
    assert np.array_equal(decode(*read_message(stream))[0], np.ones(3))
    assert np.array_equal(decode(*read_message(stream))["b"], np.zeros(2))


def test_what_cannot_cross_is_named_not_sent():
    class Yes:
        def __eq__(self, other):
            return True

    sent = [np.array([Yes()], dtype=object), np.ones(2, dtype=complex), np.array(["a"]),
            np.zeros(2, dtype=[("a", "f8")]), Yes(), {1: "not a str key"}, np.ones(2, dtype=np.float128)]
    back = through_the_wire(sent)
    assert all(isinstance(v, Opaque) for v in back)
    assert "object" in back[0].type_name and back[4].type_name == "Yes" and back[5].type_name == "dict"


def test_an_array_subclass_crosses_as_its_plain_data():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return np.ones(self.shape, dtype=bool)

        def tobytes(self, *args):
            return b"\0" * 100

    back = through_the_wire(np.arange(4.0).view(Liar))
    assert type(back) is np.ndarray and np.array_equal(back, np.arange(4.0))
    assert (back == np.zeros(4)).tolist() == [True, False, False, False]


def test_an_object_that_claims_to_be_an_ndarray_is_not_one():
    class Pretender:
        __class__ = property(lambda self: np.ndarray)

    assert isinstance(Pretender(), np.ndarray), "isinstance is fooled..."
    assert isinstance(through_the_wire(Pretender()), Opaque), "...the wire is not"


def test_arrays_over_the_budget_become_opaque_even_when_lazily_broadcast():
    huge = np.broadcast_to(np.float64(1.0), (10**6, 10**6))
    back = through_the_wire([huge, np.ones(2**16), np.ones(2**16), np.ones(1)], max_bytes=2**20)
    assert isinstance(back[0], Opaque) and "too large" in back[0].reason
    assert np.array_equal(back[1], back[2]) and back[1].shape == (2**16,), "two arrays of 512 KB fit"
    assert isinstance(back[3], Opaque), "nothing is left of the 1 MB"


def test_long_strings_are_cut_and_deep_nesting_is_refused():
    assert len(through_the_wire("x" * (MAX_STR + 10))) == MAX_STR
    deep: list = []
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(ProtocolError, match="nested"):
        encode(deep)


def test_a_header_over_the_limit_is_not_written():
    with pytest.raises(ProtocolError, match="header"):
        write_message(io.BytesIO(), *encode(["x" * MAX_STR] * (MAX_HEADER // MAX_STR + 1)))


# --- what the reader refuses ------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["|O", "<c16", "<U1", "|V8", "<M8[s]", "[('a', '<f8')]", "<f16"])
def test_decode_refuses_arrays_that_are_not_plain_numbers(dtype):
    with pytest.raises(ProtocolError):
        decode(*read_message(frame(array_header(dtype, [1]), [b"\0" * 8])))


@pytest.mark.parametrize(("header", "buffers", "why"), [
    (array_header("<f8", [3]), [b"\0" * 16], "does not match"),
    (array_header("<f8", [2, -1]), [b"\0" * 16], "negative"),
    (array_header("<f8", [0, 2**70]), [b""], "malformed"),
    (array_header("<f8", [2], buf=1), [b"\0" * 16], "missing"),
    (array_header("<f8", [2], buf=-1), [b"\0" * 16], "missing"),
    ({"t": "list", "items": [array_header("<f8", [2])] * 2}, [b"\0" * 16], "already used"),
    ({"t": "int", "v": True}, [], "malformed int"),
    ({"t": "float", "v": "1.0"}, [], "malformed float"),
    ({"t": "code", "v": "import os"}, [], "unknown value type"),
    ([1, 2], [], "malformed value"),
    ({"t": "dict", "items": [["a", 1]]}, [], "malformed dict"),
])
def test_decode_refuses_inconsistent_values(header, buffers, why):
    with pytest.raises(ProtocolError, match=why):
        decode(*read_message(frame(header, buffers)))


def test_decode_refuses_nesting_deeper_than_the_limit():
    node = {"t": "none"}
    for _ in range(MAX_DEPTH + 2):
        node = {"t": "list", "items": [node]}
    with pytest.raises(ProtocolError, match="nested"):
        decode(node, [])


def test_an_oversized_header_is_refused_before_it_is_read():
    stream = io.BytesIO(struct.pack("<Q", MAX_HEADER + 1))  # and nothing after: reading on would be EOF
    with pytest.raises(ProtocolError, match="header of"):
        read_message(stream)


def test_an_oversized_message_is_refused_before_its_buffer_is_read():
    data = json.dumps(array_header("<f8", [2**30])).encode()
    stream = io.BytesIO(struct.pack("<Q", len(data)) + data + struct.pack("<QQ", 1, 8 * 2**30))
    with pytest.raises(ProtocolError, match="more than"):
        read_message(stream, max_bytes=2**20)


def test_too_many_buffers_are_refused_before_they_are_read():
    data = b'{"t": "none"}'
    stream = io.BytesIO(struct.pack("<Q", len(data)) + data + struct.pack("<Q", MAX_BUFFERS + 1))
    with pytest.raises(ProtocolError, match="arrays"):
        read_message(stream)


@pytest.mark.parametrize("data", [b"{not json", b"[" * 100_000 + b"]" * 100_000, b"1" * 5000])
def test_a_header_that_is_not_sane_json_is_a_protocol_error(data):
    stream = io.BytesIO(struct.pack("<Q", len(data)) + data + struct.pack("<Q", 0))
    with pytest.raises(ProtocolError, match="JSON"):
        read_message(stream)


def test_a_frame_cut_short_is_the_end_of_the_channel():
    whole = frame(array_header("<f8", [4]), [b"\0" * 32]).getvalue()
    with pytest.raises(EOFError):
        read_message(io.BytesIO(whole[:-5]))


def test_a_generator_crosses_as_its_seed_and_the_numbers_it_drew():
    fresh, advanced = SeedArg(42), SeedArg(42, skip=7)
    assert decode(*encode([fresh, advanced])) == [fresh, advanced]
    drawn = np.random.default_rng(42)
    drawn.random(7)
    assert advanced.generator().random() == drawn.random() != fresh.generator().random()
    header, buffers = encode(SeedArg(42, skip=10**9))
    with pytest.raises(ProtocolError, match="drew"):
        decode(header, buffers)
