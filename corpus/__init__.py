"""The bundled corpus: the guide (the article's text; its FAQ question headings added) and one
card per resource it names."""

from pathlib import Path


def path() -> Path:
    """Directory holding `guide/` and `resources/`."""
    return Path(__file__).resolve().parent
