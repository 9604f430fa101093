"""Reading the hub's OpenAPI document in tests."""

from __future__ import annotations


def resolve(doc: dict, node: dict) -> dict:
    """The schema behind ``$ref`` (and a lone ``allOf`` wrapping one)."""
    while True:
        if "$ref" in node:
            node = doc["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        elif len(node.get("allOf", ())) == 1:
            node = node["allOf"][0]
        else:
            return node
