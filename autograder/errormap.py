"""Where an array is wrong: a small map of its errors, as data in the result and as a picture.

``error_map`` (numpy only: the judge calls it, in the grader and in the student's
self-check) reduces the error of a wrong array over the axes a person reads it by
and keeps at most ``MAX_SIDE`` × ``MAX_SIDE`` cells, each the largest error of the
elements it covers:

    (D,)          1 × D              a vector; an LSTM's ``db`` in its four gate blocks
    (A, B)        A × B              a matrix; an LSTM's ``dWx``/``dWh`` in gate blocks of columns
    (N, T, H)     T × H              time steps × units, the largest error over the batch
    (N, C, H, W)  H × W              height × width, over the batch and the channels (which
                                     channels are wrong is said in words)

A public case's map holds each cell's error relative to the largest (floats in
[0, 1]); a hidden case's holds only whether the cell is wrong (booleans): where,
never values (SPEC §3). ``picture_png`` draws a map with matplotlib's Agg canvas
(imported there: grading itself needs no matplotlib) and ``describe`` says the
same in words, the picture's text alternative.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np

MAX_SIDE = 64
GATES = "ifog"  # an LSTM's gate blocks in the order the course stacks them: input, forget, output, g


def _gate_blocks(name: str, shape: tuple[int, ...], inputs: dict[str, Any]) -> int:
    """4 when the array is an LSTM's weights or bias (last axis 4H, H of the hidden state), else 0."""
    state = inputs.get("prev_h", inputs.get("h0"))
    if not isinstance(state, np.ndarray) or name.lstrip("d") not in ("Wx", "Wh", "b"):
        return 0
    return 4 if shape and shape[-1] == 4 * state.shape[-1] else 0


def _shrink(cells: np.ndarray) -> np.ndarray:
    """At most MAX_SIDE × MAX_SIDE: each cell the largest of the block of cells it covers."""
    for axis in (0, 1):
        n = cells.shape[axis]
        if n > MAX_SIDE:
            edges = np.linspace(0, n, MAX_SIDE + 1).astype(int)
            cells = np.maximum.reduceat(cells, edges[:-1], axis=axis)
    return cells


def error_map(name: str, error: np.ndarray, inputs: dict[str, Any], public: bool) -> dict[str, Any] | None:
    """The map of ``error`` (|got - want| where wrong, 0 elsewhere; the array's shape) for a result.

    ``{"name": name, "rows": what a row is, "columns": what a column is, "cells": [[...]], "relative":
    whether the cells hold relative errors (public) or only wrong or not (hidden), "blocks": 0 or 4 (gate
    blocks of the columns), "channels": the wrong channels of a 4-D array}``; None for a scalar.
    """
    error = np.asarray(error, dtype=float)
    if error.ndim == 0 or error.size == 0:
        return None
    channels: list[int] = []
    if error.ndim == 1:
        cells, rows, columns = error[None, :], "", "index"
    elif error.ndim == 2:
        cells, rows, columns = error, "row", "column"
    elif error.ndim == 3:
        cells, rows, columns = error.max(axis=0), "time step", "unit"
    else:  # (N, C, H, W) and beyond: the last two axes are the image
        per_channel = error.reshape(-1, *error.shape[-3:]).max(axis=0)
        channels = [int(c) for c in np.flatnonzero(per_channel.max(axis=(1, 2)))]
        cells, rows, columns = per_channel.max(axis=0), "row (height)", "column (width)"
    cells = _shrink(cells)
    if public:
        top = cells.max()
        shown: list[list[Any]] = np.round(cells / top if top else cells, 2).tolist()
    else:
        shown = (cells > 0).tolist()
    return {"name": name, "rows": rows, "columns": columns, "cells": shown, "relative": public,
            "blocks": _gate_blocks(name, error.shape, inputs), "channels": channels}


def _spans(indices: list[int]) -> str:
    """[0, 1, 2, 5] as "0–2, 5"."""
    spans: list[list[int]] = []
    for i in indices:
        if spans and i == spans[-1][1] + 1:
            spans[-1][1] = i
        else:
            spans.append([i, i])
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in spans)


def describe(where: dict[str, Any]) -> str:
    """The map in words: which rows, columns, gate blocks and channels hold the wrong values."""
    cells = np.asarray(where["cells"], dtype=float) > 0
    n_rows, n_columns = cells.shape
    parts = []
    if where["blocks"]:
        width = n_columns / where["blocks"]
        wrong = [GATES[b] for b in range(where["blocks"])
                 if cells[:, int(b * width):int((b + 1) * width)].any()]
        parts.append(f"gate block(s) {', '.join(wrong)} of {', '.join(GATES)}")
    for axis, label, n in ((1, where["rows"], n_rows), (0, where["columns"], n_columns)):
        if label and n > 1:
            wrong = np.flatnonzero(cells.any(axis=axis)).tolist()
            parts.append(f"every {label}" if len(wrong) == n else f"{label} {_spans(wrong)} of 0–{n - 1}")
    if where["channels"]:
        parts.append(f"channel(s) {_spans(where['channels'])}")
    return f"Where {where['name']} is wrong: " + "; ".join(parts) + "."


def picture_png(where: dict[str, Any]) -> str:
    """The map as a small base64 PNG heat map (dark: wrong), for an ``<img src="data:...">``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cells = np.asarray(where["cells"], dtype=float)
    n_rows, n_columns = cells.shape
    width, height = min(6.0, 2.0 + 0.12 * n_columns), min(3.5, 1.4 + 0.12 * n_rows)
    figure = Figure(figsize=(width, height), dpi=80)
    # Fixed margins (in inches, for the labels): a layout engine would cost more than the drawing.
    figure.subplots_adjust(left=0.7 / width, right=1 - 0.15 / width, bottom=0.55 / height,
                           top=1 - 0.1 / height)
    axes = figure.add_subplot()
    axes.imshow(cells, cmap="Reds", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    axes.set_xlabel(where["columns"])
    axes.set_ylabel(where["rows"])
    if n_rows == 1:
        axes.set_yticks([])
    for block in range(1, where["blocks"]):
        axes.axvline(block * n_columns / where["blocks"] - 0.5, color="#222", linewidth=1)
    if where["blocks"]:
        axes.set_xticks([(b + 0.5) * n_columns / where["blocks"] - 0.5 for b in range(where["blocks"])],
                        list(GATES))
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
