"""`import advisor` builds nothing, reads no environment and needs none of the extras."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
import advisor
heavy = ["chromadb", "sentence_transformers", "torch", "streamlit", "fastapi", "uvicorn",
         "langchain_openai", "openai", "wordfreq", "lemminflect"]
print(json.dumps({"loaded": [m for m in heavy if m in sys.modules],
                  "all": sorted(advisor.__all__)}))
"""


def test_import_is_light_and_reads_no_environment() -> None:
    env = {**os.environ, "ADVISOR_BACKEND": "not-a-backend", "ADVISOR_TOP_K": "zero"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    data = json.loads(done.stdout)
    assert data["loaded"] == []
    assert {"CareerAdvisor", "Settings", "Answer", "Source", "AdvisorError"} <= set(data["all"])


def test_extras_fail_with_an_install_hint_when_missing() -> None:
    probe = (
        "import sys; sys.modules['fastapi'] = None\n"
        "from advisor.cli import main\n"
        "raise SystemExit(main(['serve']))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode != 0
    assert "pip install 'career-advisor[api]'" in done.stderr
    assert "Traceback" not in done.stderr
