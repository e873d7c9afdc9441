"""One settings object: explicit > environment > default, clear errors naming variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor import ConfigurationError, Settings


def test_precedence_explicit_over_env_over_default() -> None:
    env = {"ADVISOR_TOP_K": "6", "ADVISOR_STORE_DIR": "/tmp/x", "ADVISOR_LLM_MODEL": "m1"}
    settings = Settings.from_env(env=env, llm_model="m2")
    assert settings.top_k == 6 and settings.store_dir == Path("/tmp/x")
    assert settings.llm_model == "m2"
    assert Settings.from_env(env={}).top_k == Settings().top_k == 4


def test_backend_defaults_to_openai_only_when_configured() -> None:
    assert Settings.from_env(env={}).resolved_backend == "extractive"
    assert Settings.from_env(env={"OPENAI_API_KEY": "k"}).resolved_backend == "openai"
    assert Settings.from_env(env={"OPENAI_BASE_URL": "http://x/v1"}).resolved_backend == "openai"
    forced = Settings.from_env(env={"OPENAI_API_KEY": "k", "ADVISOR_BACKEND": "extractive"})
    assert forced.resolved_backend == "extractive"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ADVISOR_TOP_K": "many"}, "ADVISOR_TOP_K"),
        ({"ADVISOR_BACKEND": "gpt"}, "ADVISOR_BACKEND"),
        ({"ADVISOR_FAKE_RESPONSES": "[1, 2]"}, "ADVISOR_FAKE_RESPONSES"),
        ({"ADVISOR_SENTENCE_UNITS": "maybe"}, "ADVISOR_SENTENCE_UNITS"),
        ({"ADVISOR_CHUNK_SIZE": "100", "ADVISOR_CHUNK_OVERLAP": "200"}, "ADVISOR_CHUNK_OVERLAP"),
        ({"ADVISOR_FUSION": "max"}, "ADVISOR_FUSION"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        Settings.from_env(env=env)


def test_key_is_never_in_repr() -> None:
    settings = Settings.from_env(
        env={"OPENAI_API_KEY": "sk-secret-123", "ADVISOR_API_TOKEN": "t0k"}
    )
    assert "sk-secret-123" not in repr(settings) and "t0k" not in repr(settings)


def test_settings_are_frozen_and_hashable() -> None:
    settings = Settings.from_env(env={})
    with pytest.raises(AttributeError):
        settings.top_k = 9  # type: ignore[misc]
    assert hash(settings) == hash(Settings.from_env(env={}))
