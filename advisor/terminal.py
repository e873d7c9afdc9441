"""Everything the `advisor` command prints goes through here: no escape sequence reaches a terminal.

Documents, answers, source titles, file names and error messages can carry ESC, CSI
(`\\x1b[2J` clears the screen), OSC (`\\x1b]0;…\\x07` retitles the window, `\\x1b]8;;…`
plants a link) or BEL. `echo` strips them (`safety.terminal_safe`); `echo_json` keeps
the data intact by escaping the few control characters JSON itself leaves raw.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, TextIO

from advisor.safety import terminal_safe

_RAW_IN_JSON = re.compile(r"[\x7f-\x9f\u2028\u2029]")
"""Characters `json.dumps(..., ensure_ascii=False)` leaves unescaped that a terminal may act on."""


def echo(text: object = "", *, end: str = "\n", file: TextIO | None = None) -> None:
    """Print text for a terminal, without control sequences (newlines and tabs stay)."""
    out = file or sys.stdout
    out.write(terminal_safe(str(text)) + end)
    out.flush()


def echo_json(data: Any, *, file: TextIO | None = None) -> None:
    """Print one JSON document on one line; control characters are escaped, not printed."""
    text = json.dumps(data, ensure_ascii=False)
    echo(_RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text), file=file)
