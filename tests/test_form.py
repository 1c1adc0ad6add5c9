"""Multipart normalisation and validation: SDK encodings in, OpenAI-shaped errors out."""

from __future__ import annotations

import typing as t

import pytest
import yaml
from whisperd.app import SPEC_PATH
from whisperd.errors import ApiError
from whisperd.http.form import normalise_fields, validate_values

SPEC = yaml.safe_load(SPEC_PATH.read_text())
SCHEMA = SPEC["components"]["schemas"]["CreateTranscriptionRequest"]


def resolved_schema() -> dict[str, t.Any]:
    """The request schema with its $refs inlined, as Connexion hands it to validators."""

    def resolve(node: t.Any) -> t.Any:
        if isinstance(node, dict):
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[-1]
                return resolve(SPEC["components"]["schemas"][name])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return t.cast(dict[str, t.Any], resolve(SCHEMA))


RESOLVED = resolved_schema()
FILES = {"file": object()}


def parse(fields: dict[str, list[str]]) -> dict[str, t.Any]:
    values = normalise_fields(RESOLVED, fields, FILES)  # type: ignore[arg-type]
    validate_values(RESOLVED, values)
    return values


def error_of(fields: dict[str, list[str]]) -> ApiError:
    with pytest.raises(ApiError) as caught:
        parse(fields)
    return caught.value


def test_repeated_bracket_arrays_become_lists() -> None:
    values = parse({"model": ["whisper-1"], "timestamp_granularities[]": ["word", "segment"]})
    assert values["timestamp_granularities[]"] == ["word", "segment"]


def test_arrays_without_brackets_are_accepted() -> None:
    values = parse({"model": ["whisper-1"], "include": ["logprobs"]})
    assert values["include[]"] == ["logprobs"]


def test_booleans_and_numbers_are_typed() -> None:
    values = parse({"model": ["m"], "stream": ["true"], "temperature": ["0.4"], "beam_size": ["3"]})
    assert values["stream"] is True
    assert values["temperature"] == 0.4
    assert values["beam_size"] == 3


def test_chunking_strategy_bracket_fields_become_an_object() -> None:
    values = parse(
        {
            "model": ["m"],
            "chunking_strategy[type]": ["server_vad"],
            "chunking_strategy[threshold]": ["0.3"],
            "chunking_strategy[silence_duration_ms]": ["500"],
        }
    )
    assert values["chunking_strategy"] == {
        "type": "server_vad",
        "threshold": 0.3,
        "silence_duration_ms": 500,
    }


def test_chunking_strategy_as_one_json_field() -> None:
    raw = '{"type":"server_vad","prefix_padding_ms":100,"silence_duration_ms":100,"threshold":0.3}'
    values = parse({"model": ["m"], "chunking_strategy": [raw]})
    assert values["chunking_strategy"]["prefix_padding_ms"] == 100


def test_chunking_strategy_auto_as_a_json_string() -> None:
    assert parse({"model": ["m"], "chunking_strategy": ['"auto"']})["chunking_strategy"] == "auto"


def test_chunking_strategy_auto_stays_a_string() -> None:
    assert parse({"model": ["m"], "chunking_strategy": ["auto"]})["chunking_strategy"] == "auto"


def test_empty_optional_field_counts_as_absent() -> None:
    assert "language" not in parse({"model": ["m"], "language": [""]})


def test_null_for_a_nullable_field_counts_as_absent() -> None:
    values = parse({"model": ["m"], "chunking_strategy": ["null"], "stream": ["null"]})
    assert "chunking_strategy" not in values and "stream" not in values


def test_null_for_a_plain_string_field_is_the_text_null() -> None:
    assert parse({"model": ["m"], "prompt": ["null"]})["prompt"] == "null"


def test_missing_model_names_the_param() -> None:
    error = error_of({})
    assert (error.status, error.param, error.code) == (400, "model", "missing_required_parameter")
    assert error.message == "Missing required parameter: 'model'."


def test_unknown_field_is_refused() -> None:
    error = error_of({"model": ["m"], "colour": ["blue"]})
    assert (error.param, error.code) == ("colour", "unknown_parameter")


def test_bad_enum_lists_supported_values() -> None:
    error = error_of({"model": ["m"], "response_format": ["xml"]})
    assert error.param == "response_format"
    assert error.message.startswith("Invalid value: 'xml'. Supported values are: 'json', 'text'")


def test_bad_number_is_a_type_error() -> None:
    error = error_of({"model": ["m"], "temperature": ["hot"]})
    assert (error.param, error.code) == ("temperature", "invalid_type")


def test_temperature_above_one_is_refused() -> None:
    error = error_of({"model": ["m"], "temperature": ["1.5"]})
    assert (error.param, error.code) == ("temperature", "decimal_above_max_value")


def test_nan_is_not_a_number() -> None:
    assert error_of({"model": ["m"], "temperature": ["nan"]}).code == "invalid_type"


def test_bad_granularity_value_is_refused() -> None:
    error = error_of({"model": ["m"], "timestamp_granularities[]": ["sentence"]})
    assert error.param == "timestamp_granularities[]"
    assert error.code == "invalid_value"


def test_bad_chunking_strategy_is_refused() -> None:
    error = error_of({"model": ["m"], "chunking_strategy": ["sometimes"]})
    assert (error.param, error.code) == ("chunking_strategy", "invalid_value")


def test_file_sent_as_text_field_is_refused() -> None:
    with pytest.raises(ApiError) as caught:
        normalise_fields(RESOLVED, {"model": ["m"], "file": ["not a file"]}, {})
    assert caught.value.param == "file"


def test_too_long_prompt_is_refused() -> None:
    error = error_of({"model": ["m"], "prompt": ["x" * 5000]})
    assert (error.param, error.code) == ("prompt", "string_above_max_length")
