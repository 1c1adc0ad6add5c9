from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_translation_request import CreateTranslationRequest
from ...models.create_translation_response_json import CreateTranslationResponseJson
from ...models.create_translation_response_verbose_json import CreateTranslationResponseVerboseJson
from ...models.error_response import ErrorResponse
from ...types import Response


def _get_kwargs(
    *,
    body: CreateTranslationRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/audio/translations",
    }

    _kwargs["files"] = body.to_multipart()

    headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CreateTranslationResponseJson | CreateTranslationResponseVerboseJson | ErrorResponse | None:
    if response.status_code == 200:

        def _parse_response_200(data: object) -> CreateTranslationResponseJson | CreateTranslationResponseVerboseJson:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_create_translation_response_type_0 = CreateTranslationResponseVerboseJson.from_dict(
                    data
                )

                return componentsschemas_create_translation_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_create_translation_response_type_1 = CreateTranslationResponseJson.from_dict(data)

            return componentsschemas_create_translation_response_type_1

        response_200 = _parse_response_200(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        response_413 = ErrorResponse.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorResponse.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = ErrorResponse.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorResponse.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CreateTranslationResponseJson | CreateTranslationResponseVerboseJson | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateTranslationRequest,
) -> Response[CreateTranslationResponseJson | CreateTranslationResponseVerboseJson | ErrorResponse]:
    """Translate speech in any language into English text.

     Decodes the uploaded audio and translates the speech into English with the
    model's translate task. Needs a multilingual model; English-only models
    (names ending in `.en`) answer 400.

    Args:
        body (CreateTranslationRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateTranslationResponseJson | CreateTranslationResponseVerboseJson | ErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: CreateTranslationRequest,
) -> CreateTranslationResponseJson | CreateTranslationResponseVerboseJson | ErrorResponse | None:
    """Translate speech in any language into English text.

     Decodes the uploaded audio and translates the speech into English with the
    model's translate task. Needs a multilingual model; English-only models
    (names ending in `.en`) answer 400.

    Args:
        body (CreateTranslationRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateTranslationResponseJson | CreateTranslationResponseVerboseJson | ErrorResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateTranslationRequest,
) -> Response[CreateTranslationResponseJson | CreateTranslationResponseVerboseJson | ErrorResponse]:
    """Translate speech in any language into English text.

     Decodes the uploaded audio and translates the speech into English with the
    model's translate task. Needs a multilingual model; English-only models
    (names ending in `.en`) answer 400.

    Args:
        body (CreateTranslationRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateTranslationResponseJson | CreateTranslationResponseVerboseJson | ErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CreateTranslationRequest,
) -> CreateTranslationResponseJson | CreateTranslationResponseVerboseJson | ErrorResponse | None:
    """Translate speech in any language into English text.

     Decodes the uploaded audio and translates the speech into English with the
    model's translate task. Needs a multilingual model; English-only models
    (names ending in `.en`) answer 400.

    Args:
        body (CreateTranslationRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateTranslationResponseJson | CreateTranslationResponseVerboseJson | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
