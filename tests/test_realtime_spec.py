"""``spec/realtime.asyncapi.yaml``: a well-formed AsyncAPI 3 document that agrees with the SDK.

No AsyncAPI 3 validator on PyPI works offline and is more than an alpha object model, so the
structure is checked here: version, channel, operations whose messages exist, every
``$ref`` resolvable, every payload a valid Draft 7 schema whose ``type`` const is the
message name, every example valid. Each example is also parsed with the installed openai
SDK's own model class for its dialect, and the SDK's required fields must be required here,
so the spec and the SDK cannot drift apart unnoticed.
"""

from __future__ import annotations

import copy
import typing as t

import pydantic
import pytest
from jsonschema import Draft7Validator
from openai.types.beta.realtime import RealtimeClientEvent as BetaClientEvent
from openai.types.beta.realtime import RealtimeServerEvent as BetaServerEvent
from openai.types.realtime import RealtimeClientEvent, RealtimeServerEvent

from tests.support import asyncapi

Dialect = t.Literal["ga", "beta"]
SDK_UNIONS: dict[tuple[Dialect, asyncapi.Direction], t.Any] = {
    ("ga", "server"): RealtimeServerEvent,
    ("ga", "client"): RealtimeClientEvent,
    ("beta", "server"): BetaServerEvent,
    ("beta", "client"): BetaClientEvent,
}
# Events OpenAI sends that the installed SDK's union does not list (it then builds them
# unvalidated): transcription_session.created is in OpenAI's OpenAPI document only.
NOT_IN_SDK: set[tuple[Dialect, str]] = {("beta", "transcription_session.created")}
# Fields OpenAI sends that the SDK's pydantic types reject: the beta TranscriptionSession
# declares client_secret required and non-null, while the socket sends null (OpenAI's own
# example in its OpenAPI document shows "client_secret": null).
SDK_REJECTS: dict[tuple[Dialect, str], set[tuple[str | int, ...]]] = {
    ("beta", "transcription_session.updated"): {("session", "client_secret")},
}

DOCUMENT = asyncapi.load_document()
MESSAGES: dict[str, dict[str, t.Any]] = DOCUMENT["components"]["messages"]
SERVER = asyncapi.messages("server")
CLIENT = asyncapi.messages("client")


def direction_of(name: str) -> asyncapi.Direction:
    return "server" if name in SERVER else "client"


def example_cases() -> list[t.Any]:
    return [
        pytest.param(name, example["payload"], id=f"{name}:{example['name']}")
        for name, message in MESSAGES.items()
        for example in message.get("examples", [])
    ]


def sdk_cases() -> list[t.Any]:
    return [
        pytest.param(name, dialect, example["payload"], id=f"{dialect}:{name}:{example['name']}")
        for name, message in MESSAGES.items()
        for dialect in message["x-dialects"]
        for example in message["examples"]
    ]


def sdk_models(dialect: Dialect, direction: asyncapi.Direction) -> dict[str, type[t.Any]]:
    """Event type -> the SDK's model class, read from the SDK's discriminated union."""
    union = SDK_UNIONS[(dialect, direction)]
    members = t.get_args(t.get_args(union)[0] if t.get_origin(union) is t.Annotated else union)
    return {t.get_args(cls.model_fields["type"].annotation)[0]: cls for cls in members}


def payload_schema(name: str) -> dict[str, t.Any]:
    schema = asyncapi.deref(MESSAGES[name]["payload"])
    assert isinstance(schema, dict)
    return schema


def walk_refs(node: t.Any) -> t.Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from walk_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_refs(item)


def test_document_is_asyncapi_3_with_one_websocket_server() -> None:
    assert DOCUMENT["asyncapi"] == "3.0.0"
    assert {"title", "version"} <= DOCUMENT["info"].keys()
    servers = DOCUMENT["servers"]
    assert [(s["host"], s["protocol"]) for s in servers.values()] == [("localhost:50060", "ws")]


def test_channel_is_v1_realtime_with_transcription_intent() -> None:
    channel = DOCUMENT["channels"]["realtime"]
    assert channel["address"] == "/v1/realtime"
    query = channel["bindings"]["ws"]["query"]
    assert query["properties"]["intent"]["const"] == "transcription"
    assert "intent" in query["required"]
    headers = channel["bindings"]["ws"]["headers"]["properties"]
    assert {"Authorization", "OpenAI-Beta", "Sec-WebSocket-Protocol"} <= headers.keys()


def test_every_reference_resolves() -> None:
    refs = sorted(set(walk_refs(DOCUMENT)))
    assert refs
    for ref in refs:
        asyncapi.resolve_pointer(ref)


def test_operations_list_messages_of_their_own_channel() -> None:
    listed: list[str] = []
    for operation in DOCUMENT["operations"].values():
        assert operation["action"] in {"send", "receive"}
        channel_pointer = operation["channel"]["$ref"]
        channel = asyncapi.resolve_pointer(channel_pointer)
        for ref in operation["messages"]:
            prefix, _, key = ref["$ref"].rpartition("/")
            assert prefix == f"{channel_pointer}/messages"
            assert key in channel["messages"]
            listed.append(key)
    assert sorted(listed) == sorted(DOCUMENT["channels"]["realtime"]["messages"])
    assert len(listed) == len(set(listed)), "a message is both sent and received"


def test_channel_messages_are_the_component_messages() -> None:
    channel_messages = DOCUMENT["channels"]["realtime"]["messages"]
    assert {key: ref["$ref"] for key, ref in channel_messages.items()} == {
        key: f"#/components/messages/{key}" for key in MESSAGES
    }


@pytest.mark.parametrize("name", sorted(DOCUMENT["components"]["schemas"]))
def test_schema_is_valid_draft7(name: str) -> None:
    Draft7Validator.check_schema(DOCUMENT["components"]["schemas"][name])


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_message_name_is_its_type_const(name: str) -> None:
    message = MESSAGES[name]
    assert message["name"] == name
    schema = payload_schema(name)
    assert schema["properties"]["type"]["const"] == name
    assert "type" in schema["required"]
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_message_has_examples_and_known_dialects(name: str) -> None:
    message = MESSAGES[name]
    assert message["examples"]
    assert message["x-dialects"]
    assert set(message["x-dialects"]) <= {"ga", "beta"}


@pytest.mark.parametrize(("name", "payload"), example_cases())
def test_example_validates(name: str, payload: dict[str, t.Any]) -> None:
    asyncapi.validate_event(payload, direction_of(name))


def example(name: str) -> dict[str, t.Any]:
    payload = copy.deepcopy(MESSAGES[name]["examples"][0]["payload"])
    assert isinstance(payload, dict)
    return payload


def test_delta_without_item_id_is_rejected() -> None:
    event = example("conversation.item.input_audio_transcription.delta")
    del event["item_id"]
    with pytest.raises(AssertionError, match="'item_id' is a required property"):
        asyncapi.validate_server_event(event)


def test_unknown_server_event_type_is_rejected() -> None:
    with pytest.raises(AssertionError, match="not a server event"):
        asyncapi.validate_server_event({"type": "response.done", "event_id": "event_1"})


def test_unknown_client_event_type_is_rejected() -> None:
    with pytest.raises(AssertionError, match="not a client event"):
        asyncapi.validate_client_event({"type": "response.create"})


def test_client_event_is_not_a_server_event() -> None:
    with pytest.raises(AssertionError, match="not a server event"):
        asyncapi.validate_server_event(example("input_audio_buffer.commit"))


def test_unexpected_key_is_rejected() -> None:
    event = example("input_audio_buffer.committed")
    event["audio_end_ms"] = 1000
    with pytest.raises(AssertionError, match="Additional properties are not allowed"):
        asyncapi.validate_server_event(event)


def test_session_event_must_echo_the_whole_configuration() -> None:
    event = example("session.updated")
    del event["session"]["audio"]["input"]["turn_detection"]
    with pytest.raises(AssertionError, match="'turn_detection' is a required property"):
        asyncapi.validate_server_event(event)


def test_pcm_at_another_rate_is_rejected() -> None:
    event = example("session.update")
    event["session"]["audio"]["input"]["format"]["rate"] = 16000
    with pytest.raises(AssertionError, match="24000 was expected"):
        asyncapi.validate_client_event(event)


def test_error_event_id_must_be_a_server_id() -> None:
    event = example("error")
    event["event_id"] = "commit_10"
    with pytest.raises(AssertionError, match="does not match"):
        asyncapi.validate_server_event(event)


@pytest.mark.parametrize(("name", "dialect", "payload"), sdk_cases())
def test_example_parses_with_the_sdk(
    name: str, dialect: Dialect, payload: dict[str, t.Any]
) -> None:
    models = sdk_models(dialect, direction_of(name))
    if (dialect, name) in NOT_IN_SDK:
        assert name not in models, f"the SDK now has {name}: drop it from NOT_IN_SDK"
        return
    assert name in models, f"the installed SDK's {dialect} union has no {name}"
    expected = SDK_REJECTS.get((dialect, name), set())
    try:
        models[name].model_validate(payload)
    except pydantic.ValidationError as error:
        rejected = {tuple(detail["loc"]) for detail in error.errors()}
        assert rejected <= expected, f"the SDK rejects the example: {error}"
    else:
        assert not expected, f"the SDK now accepts {name}: drop it from SDK_REJECTS"


@pytest.mark.parametrize(
    ("name", "dialect"),
    [(name, dialect) for name, message in MESSAGES.items() for dialect in message["x-dialects"]],
)
def test_fields_the_sdk_requires_are_required(name: str, dialect: Dialect) -> None:
    models = sdk_models(dialect, direction_of(name))
    if (dialect, name) in NOT_IN_SDK:
        pytest.skip(f"{name} is not in the SDK's {dialect} union")
    fields = models[name].model_fields
    sdk_required = {key for key, field in fields.items() if field.is_required()}
    assert sdk_required <= set(payload_schema(name)["required"])


@pytest.mark.parametrize(
    ("name", "dialect"),
    [(name, dialect) for name, message in MESSAGES.items() for dialect in message["x-dialects"]],
)
def test_fields_the_sdk_declares_are_allowed(name: str, dialect: Dialect) -> None:
    models = sdk_models(dialect, direction_of(name))
    if (dialect, name) in NOT_IN_SDK:
        pytest.skip(f"{name} is not in the SDK's {dialect} union")
    assert set(models[name].model_fields) <= set(payload_schema(name)["properties"])
