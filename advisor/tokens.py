"""Counting tokens without the language model: the embedding model's own tokenizer.

A model-agnostic estimate for when a server reports no usage (llama-cpp-python's server, the
offline answerer): the WordPiece tokenizer of the embedding model (all-MiniLM-L6-v2 by
default), loaded once per process on first use, from the local model directory, never from
the network. Special tokens ([CLS], [SEP]) are not counted; nothing is truncated or padded.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from advisor.embeddings import model_path
from advisor.errors import ConfigurationError
from advisor.records import Usage
from advisor.settings import Settings

log = logging.getLogger(__name__)
_lock = threading.Lock()
_SURROGATE = re.compile("[\ud800-\udfff]")
_loaded: dict[str, Any] = {}


class TokenCounter:
    """Counts tokens and finds where the n-th token ends, in Python string indices."""

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer

    def ends(self, text: str) -> list[int]:
        """The end offset (a str index) of every token of `text`, in order."""
        if not text:
            return []
        # a lone surrogate (valid JSON, not valid UTF-8) becomes U+FFFD, one for one, so the
        # offsets still index `text`
        encoding = self._tokenizer.encode(_SURROGATE.sub("\ufffd", text), add_special_tokens=False)
        return [end for _, end in encoding.offsets]

    def count(self, text: str) -> int:
        """How many tokens `text` is."""
        return len(self.ends(text))

    def usage(self, prompts: Iterable[str], completion: str) -> Usage:
        """Usage counted for these prompt texts and this completion."""
        return Usage(sum(self.count(p) for p in prompts), self.count(completion))


def token_counter(settings: Settings) -> TokenCounter:
    """The process-wide counter for the configured embedding model (loaded on first call)."""
    path = model_path(settings)
    with _lock:
        tokenizer = _loaded.get(path)
        if tokenizer is None:
            tokenizer = _load(path)
            _loaded[path] = tokenizer
    return TokenCounter(tokenizer)


def _load(path: str) -> Any:  # tokenizers.Tokenizer (the package has no type stubs)
    """The fast tokenizer of a local sentence-transformers model, without truncation."""
    file = Path(path) / "tokenizer.json"
    try:
        if file.is_file():
            from tokenizers import Tokenizer

            tokenizer: Any = Tokenizer.from_file(str(file))
        else:  # a model without tokenizer.json: let transformers build the fast tokenizer
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True).backend_tokenizer
    except Exception as exc:
        raise ConfigurationError(
            f"cannot load the tokenizer of the embedding model at {path!r} "
            f"({type(exc).__name__}); check ADVISOR_EMBEDDING_MODEL"
        ) from None
    tokenizer.no_truncation()
    tokenizer.no_padding()
    log.info("token counter: the tokenizer of %s", path)
    return tokenizer
