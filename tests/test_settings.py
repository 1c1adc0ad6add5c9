"""Settings: defaults, config file, environment and flags, later winning."""

from __future__ import annotations

from pathlib import Path

import pytest
from whisperd.cli import build_parser
from whisperd.settings import load_settings, markdown_table

REPO = Path(__file__).resolve().parent.parent


def parse(*argv: str) -> object:
    return build_parser().parse_args(["serve", *argv])


def test_defaults() -> None:
    settings = load_settings(parse(), environ={})
    assert (settings.host, settings.port, settings.model) == ("127.0.0.1", 50060, "base")
    assert settings.max_upload_bytes == 25 * 1024 * 1024


def test_environment_overrides_defaults() -> None:
    settings = load_settings(parse(), environ={"WHISPERD_PORT": "6000", "WHISPERD_VAD_FILTER": "1"})
    assert settings.port == 6000
    assert settings.vad_filter is True


def test_flags_override_environment() -> None:
    settings = load_settings(parse("--port", "7000"), environ={"WHISPERD_PORT": "6000"})
    assert settings.port == 7000


def test_config_file_is_lowest_after_defaults(tmp_path: Path) -> None:
    config = tmp_path / "whisperd.toml"
    config.write_text('model = "tiny.en"\nport = 5000\n')
    settings = load_settings(parse("--config", str(config)), environ={"WHISPERD_PORT": "6000"})
    assert settings.model == "tiny.en"
    assert settings.port == 6000


def test_unknown_config_key_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "whisperd.toml"
    config.write_text("colour = 'blue'\n")
    with pytest.raises(ValueError, match="colour"):
        load_settings(parse("--config", str(config)), environ={})


def test_bad_choice_is_an_error() -> None:
    with pytest.raises(ValueError, match="device"):
        load_settings(parse(), environ={"WHISPERD_DEVICE": "tpu"})


def test_negative_workers_is_an_error() -> None:
    with pytest.raises(ValueError, match="workers"):
        load_settings(parse(), environ={"WHISPERD_WORKERS": "-1"})


def test_a_sampling_seed_of_minus_one_samples_unseeded() -> None:
    assert load_settings(parse(), environ={}).seed == 0
    assert load_settings(parse("--sampling-seed", "-1"), environ={}).seed is None


def test_a_sampling_seed_out_of_range_is_an_error() -> None:
    with pytest.raises(ValueError, match="sampling_seed"):
        load_settings(parse(), environ={"WHISPERD_SAMPLING_SEED": str(2**32)})


def test_readme_configuration_table_is_current() -> None:
    readme = (REPO / "README.md").read_text()
    assert markdown_table() in readme, "run .venv/bin/python scripts/update-readme-settings.py"


def test_the_spec_is_valid_openapi() -> None:
    import yaml
    from openapi_spec_validator import validate

    validate(yaml.safe_load((REPO / "spec" / "openapi.yaml").read_text()))
