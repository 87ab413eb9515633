"""What a query asks for below a field, as dotted paths (fragments flattened).

Resolvers use it to preload exactly the related rows a request wants, in batches,
so the types below them can stay synchronous (an awaitable per object is the
dominant cost of large pages under Strawberry's async execution).
"""

from __future__ import annotations

from strawberry.types import Info
from strawberry.types.nodes import SelectedField


def selected_paths(info: Info) -> set[str]:
    paths: set[str] = set()
    for field in info.selected_fields:
        _walk(field.selections, "", paths)
    return paths


def _walk(selections, prefix: str, paths: set[str]) -> None:
    for selection in selections:
        if isinstance(selection, SelectedField):
            path = f"{prefix}{selection.name}"
            paths.add(path)
            _walk(selection.selections, path + ".", paths)
        else:  # an inline fragment or a fragment spread: its fields belong here
            _walk(selection.selections, prefix, paths)
