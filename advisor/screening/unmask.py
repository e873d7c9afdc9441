"""Undo the disguises that hide an instruction from word rules: the views a detector reads.

Each view is the text in a form that rules written for plain words can match:

- `plain`: NFKC forms (full-width letters become ASCII), invisible format characters
  (zero-width spaces and joiners, soft hyphens, word joiners) removed;
- `latin`: `plain` with letters that look Latin but are Cyrillic, Greek, Armenian or IPA
  ("раѕѕwоrd") folded to the Latin letters they imitate;
- `spaced`: `latin` with letters kept apart by dots or dashes joined ("i.g.n.o.r.e");
- `leet`: `latin` with digits inside words read as letters ("p4ssw0rd");
- `base64` and `hex`: each encoded run that decodes to readable text, decoded.

Every step is one pass over the text; the encoded runs are found with a single character
class, so the cost stays linear in the text's length.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

_LOOKALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "і": "i", "ї": "i", "ј": "j", "к": "k",
    "м": "m", "н": "h", "о": "o", "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x",
    "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ь": "b", "г": "r",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k", "μ": "u",
    "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
    # Armenian, IPA and Latin lookalikes outside ASCII
    "ա": "w", "հ": "h", "ո": "n", "ս": "u", "օ": "o", "ց": "g", "ɡ": "g", "ɑ": "a", "ı": "i",
    "ȷ": "j", "ʏ": "y", "ʀ": "r", "ɪ": "i", "ɴ": "n", "ꜱ": "s", "ᴅ": "d", "ᴇ": "e", "ᴋ": "k",
}  # fmt: skip
"""Lowercase letters of other scripts that render like a Latin letter (a Unicode confusables
subset: the letters a reader cannot tell from Latin in a sans-serif font)."""
_FOLD = str.maketrans(_LOOKALIKES)
_LEET = {"4": "a", "3": "e", "0": "o", "5": "s", "7": "t", "9": "g", "@": "a", "$": "s"}
_LEET_I = str.maketrans({**_LEET, "1": "i"})
_LEET_L = str.maketrans({**_LEET, "1": "l"})
_WORD = re.compile(r"[\w@$]+")
_SPACED = re.compile(r"(?<!\w)\w(?:[.\-_]\w(?!\w))+")
"""Letters kept apart by dots or dashes ("i.g.n.o.r.e"): each repeat reads two characters."""
_ENCODED = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
"""A run that may be base64 (standard or URL-safe) or hex: one character class, linear."""
_HEX = frozenset("0123456789abcdefABCDEF")
MAX_DECODED = 16
"""Encoded runs decoded per text at most (each is read once, so the cost stays linear)."""


@dataclass(frozen=True)
class View:
    """The text as one unmasking step leaves it, and the step's name."""

    name: str
    text: str


def strip_invisible(text: str) -> str:
    """NFKC forms without invisible format characters (zero-width, soft hyphen, BOM)."""
    if text.isascii():
        return text  # ASCII has neither
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def fold_lookalikes(text: str) -> str:
    """Lowercased, with other scripts' Latin lookalikes read as the Latin letter."""
    return text.lower().translate(_FOLD)


def read_leet(text: str, one: str = "i") -> str:
    """Digits (and @, $) inside a word read as the letters they stand for ("4ll" -> "all");
    `one` is the letter a 1 stands for ("i" or "l")."""
    table = _LEET_I if one == "i" else _LEET_L

    def word(match: re.Match[str]) -> str:
        found = match.group(0)
        if found.isalpha() or not any(ch.isalpha() for ch in found):
            return found  # a plain word stays a word, a plain number a number
        return found.translate(table)

    return _WORD.sub(word, text)


def join_spaced(text: str) -> str:
    """Single letters kept apart by dots or dashes joined into the word ("a.l.l" -> "all")."""
    return _SPACED.sub(lambda m: m.group(0)[::2], text)


def decoded_runs(text: str) -> list[View]:
    """Base64 or hex runs of `text` that decode to readable text, decoded."""
    found: list[View] = []
    for match in _ENCODED.finditer(text):
        run = match.group(0)
        view = _decode(run)
        if view is not None:
            found.append(view)
            if len(found) >= MAX_DECODED:
                break
    return found


def _decode(run: str) -> View | None:
    stripped = run.rstrip("=")
    if len(stripped) % 2 == 0 and all(ch in _HEX for ch in stripped):
        text = _readable(_try(lambda: bytes.fromhex(stripped)))
        if text:
            return View("hex", text)
    padded = stripped + "=" * (-len(stripped) % 4)
    altchars = b"-_" if ("-" in run or "_" in run) else None
    text = _readable(_try(lambda: base64.b64decode(padded, altchars=altchars, validate=True)))
    return View("base64", text) if text else None


def _try(decode: Callable[[], bytes]) -> bytes:
    try:
        return decode()
    except (ValueError, binascii.Error):
        return b""


def _readable(data: bytes) -> str:
    """The bytes as text when they are UTF-8 made mostly of letters and spaces, else ""."""
    if len(data) < 8:
        return ""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    if any(unicodedata.category(ch)[0] == "C" and ch not in "\n\t" for ch in text):
        return ""
    wordy = sum(ch.isalpha() or ch.isspace() for ch in text)
    return text if wordy >= 0.75 * len(text) and " " in text.strip() else ""


def views(text: str, decode: bool = True) -> list[View]:
    """Every distinct view of `text` a detector should read, `plain` first."""
    plain = strip_invisible(text)
    found = [View("plain", plain)]
    latin = fold_lookalikes(plain)
    if latin != plain.lower():
        found.append(View("latin", latin))
    joined = join_spaced(latin)
    if joined != latin:
        found.append(View("spaced", joined))
    for one in "il":
        leet = read_leet(latin, one)
        if leet != latin and leet not in (v.text for v in found):
            found.append(View("leet", leet))
    if decode:
        for inner in decoded_runs(plain):
            found += [View(inner.name, v.text) for v in views(inner.text, decode=False)]
    return found
