"""Safe Markdown rebuilt from CommonMark tokens: `sanitise` a text, or its top-level `blocks`."""

from advisor.markup.blocks import blocks, drop_definitions, is_safe, parser, sanitise
from advisor.markup.inline import escape_text, inline, is_http, literal

__all__ = [
    "blocks",
    "drop_definitions",
    "escape_text",
    "inline",
    "is_http",
    "is_safe",
    "literal",
    "parser",
    "sanitise",
]
