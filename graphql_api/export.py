"""Writes schema.graphql from the code: `python -m graphql_api.export`."""

from __future__ import annotations

from pathlib import Path

from graphql_api.schema import schema

TARGET = Path(__file__).resolve().parents[1] / "schema.graphql"


def main() -> None:
    TARGET.write_text(schema.as_str().strip() + "\n")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
