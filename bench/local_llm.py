"""A real local model's speed through the advisor: llama.cpp's server with SmolLM2-135M.

    python bench/local_llm.py [--threads 1] [--context 4096] [--top-k 4] [--max-tokens 200]

Starts tests/llama_server.py's server, then asks a few questions through `CareerAdvisor.stream`
and prints, per question: seconds to the first token (the server reading the prompt: cold for
the first question, later ones reuse the cached system prompt), seconds in all, the prompt
and reply tokens the server counted, and the machine's load average, as one JSON line each.
The ratio of the first question's first token to a warm one's is the price of a cold prompt.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from advisor import Answer, CareerAdvisor, Settings
from ingest import ingest
from tests.llama_server import llama_server

QUESTIONS = (
    "Should I learn PyTorch or TensorFlow first?",
    "How much does an ML engineer earn?",
    "What is DVC used for?",
    "How long does it take to become job-ready?",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--context", type=int, default=4096)
    parser.add_argument("--top-k", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument("--store", type=Path, default=None, help="an index to reuse")
    args = parser.parse_args()
    store = args.store or Path(tempfile.mkdtemp(prefix="bench-llm-")) / "store"
    if args.store is None:
        ingest(settings=Settings.from_env(store_dir=store), progress=False)
    with llama_server(args.context, args.threads) as server:
        settings = Settings.from_env(
            store_dir=store,
            backend="openai",
            openai_base_url=server.base_url,
            top_k=args.top_k,
            llm_max_tokens=args.max_tokens,
            llm_timeout=900.0,
            llm_first_token_timeout=600.0,
        )
        advisor = CareerAdvisor.from_settings(settings)
        advisor.warm_up()
        for n, question in enumerate(QUESTIONS):
            print(json.dumps(ask(advisor, question, cold=n == 0)), flush=True)


def ask(advisor: CareerAdvisor, question: str, cold: bool) -> dict[str, object]:
    """One streamed question, timed."""
    started = time.monotonic()
    first = None
    answer = None
    for item in advisor.stream(question):
        if isinstance(item, Answer):
            answer = item
        elif first is None:
            first = time.monotonic() - started
    assert answer is not None
    usage = answer.usage
    return {
        "question": question,
        "cold": cold,
        "first_token_s": round(first or 0.0, 1),
        "total_s": round(time.monotonic() - started, 1),
        "prompt_tokens": usage.prompt_tokens if usage else None,
        "completion_tokens": usage.completion_tokens if usage else None,
        "incomplete": answer.incomplete,
        "load_1min": round(os.getloadavg()[0], 1),
    }


if __name__ == "__main__":
    main()
