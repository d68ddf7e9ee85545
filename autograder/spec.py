"""How a graded task is described: a Task and its Cases (the week's are in ``tasks.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    args: dict[str, Any]
    label: str = ""
    public: bool = False
    raises: str | None = None


@dataclass(frozen=True)
class Task:
    name: str
    points: float
    check: str
    cases: tuple[Case, ...]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def module(self) -> str:
        return self.name.split(".")[0]

    @property
    def function(self) -> str:
        return self.name.split(".")[1]
