"""Contains all the data models used in inputs/outputs"""

from .create_transcription_request import CreateTranscriptionRequest
from .create_transcription_request_chunking_strategy_type_0 import CreateTranscriptionRequestChunkingStrategyType0
from .create_transcription_response_diarized_json import CreateTranscriptionResponseDiarizedJson
from .create_transcription_response_diarized_json_task import CreateTranscriptionResponseDiarizedJsonTask
from .create_transcription_response_json import CreateTranscriptionResponseJson
from .create_transcription_response_verbose_json import CreateTranscriptionResponseVerboseJson
from .create_transcription_response_verbose_json_task import CreateTranscriptionResponseVerboseJsonTask
from .create_translation_request import CreateTranslationRequest
from .create_translation_response_json import CreateTranslationResponseJson
from .create_translation_response_verbose_json import CreateTranslationResponseVerboseJson
from .create_translation_response_verbose_json_task import CreateTranslationResponseVerboseJsonTask
from .deepgram_alternative import DeepgramAlternative
from .deepgram_alternative_paragraphs import DeepgramAlternativeParagraphs
from .deepgram_alternative_paragraphs_paragraphs_item import DeepgramAlternativeParagraphsParagraphsItem
from .deepgram_alternative_paragraphs_paragraphs_item_sentences_item import (
    DeepgramAlternativeParagraphsParagraphsItemSentencesItem,
)
from .deepgram_error import DeepgramError
from .deepgram_listen_response import DeepgramListenResponse
from .deepgram_listen_response_metadata import DeepgramListenResponseMetadata
from .deepgram_listen_response_metadata_model_info import DeepgramListenResponseMetadataModelInfo
from .deepgram_listen_response_metadata_model_info_additional_property import (
    DeepgramListenResponseMetadataModelInfoAdditionalProperty,
)
from .deepgram_listen_response_results import DeepgramListenResponseResults
from .deepgram_listen_response_results_channels_item import DeepgramListenResponseResultsChannelsItem
from .deepgram_listen_response_results_utterances_item import DeepgramListenResponseResultsUtterancesItem
from .deepgram_word import DeepgramWord
from .error import Error
from .error_response import ErrorResponse
from .health import Health
from .health_status import HealthStatus
from .model import Model
from .model_list import ModelList
from .model_list_object import ModelListObject
from .model_object import ModelObject
from .queue_state import QueueState
from .readiness import Readiness
from .readiness_status import ReadinessStatus
from .timestamp_granularity import TimestampGranularity
from .token_logprob import TokenLogprob
from .transcript_text_delta_event import TranscriptTextDeltaEvent
from .transcript_text_delta_event_type import TranscriptTextDeltaEventType
from .transcript_text_done_event import TranscriptTextDoneEvent
from .transcript_text_done_event_type import TranscriptTextDoneEventType
from .transcript_text_usage_duration import TranscriptTextUsageDuration
from .transcript_text_usage_duration_type import TranscriptTextUsageDurationType
from .transcript_text_usage_tokens import TranscriptTextUsageTokens
from .transcript_text_usage_tokens_input_token_details import TranscriptTextUsageTokensInputTokenDetails
from .transcript_text_usage_tokens_type import TranscriptTextUsageTokensType
from .transcription_diarized_segment import TranscriptionDiarizedSegment
from .transcription_diarized_segment_type import TranscriptionDiarizedSegmentType
from .transcription_include import TranscriptionInclude
from .transcription_response_format import TranscriptionResponseFormat
from .transcription_segment import TranscriptionSegment
from .transcription_stream_error import TranscriptionStreamError
from .transcription_word import TranscriptionWord
from .translation_response_format import TranslationResponseFormat
from .vad_config import VadConfig
from .vad_config_type import VadConfigType

__all__ = (
    "CreateTranscriptionRequest",
    "CreateTranscriptionRequestChunkingStrategyType0",
    "CreateTranscriptionResponseDiarizedJson",
    "CreateTranscriptionResponseDiarizedJsonTask",
    "CreateTranscriptionResponseJson",
    "CreateTranscriptionResponseVerboseJson",
    "CreateTranscriptionResponseVerboseJsonTask",
    "CreateTranslationRequest",
    "CreateTranslationResponseJson",
    "CreateTranslationResponseVerboseJson",
    "CreateTranslationResponseVerboseJsonTask",
    "DeepgramAlternative",
    "DeepgramAlternativeParagraphs",
    "DeepgramAlternativeParagraphsParagraphsItem",
    "DeepgramAlternativeParagraphsParagraphsItemSentencesItem",
    "DeepgramError",
    "DeepgramListenResponse",
    "DeepgramListenResponseMetadata",
    "DeepgramListenResponseMetadataModelInfo",
    "DeepgramListenResponseMetadataModelInfoAdditionalProperty",
    "DeepgramListenResponseResults",
    "DeepgramListenResponseResultsChannelsItem",
    "DeepgramListenResponseResultsUtterancesItem",
    "DeepgramWord",
    "Error",
    "ErrorResponse",
    "Health",
    "HealthStatus",
    "Model",
    "ModelList",
    "ModelListObject",
    "ModelObject",
    "QueueState",
    "Readiness",
    "ReadinessStatus",
    "TimestampGranularity",
    "TokenLogprob",
    "TranscriptionDiarizedSegment",
    "TranscriptionDiarizedSegmentType",
    "TranscriptionInclude",
    "TranscriptionResponseFormat",
    "TranscriptionSegment",
    "TranscriptionStreamError",
    "TranscriptionWord",
    "TranscriptTextDeltaEvent",
    "TranscriptTextDeltaEventType",
    "TranscriptTextDoneEvent",
    "TranscriptTextDoneEventType",
    "TranscriptTextUsageDuration",
    "TranscriptTextUsageDurationType",
    "TranscriptTextUsageTokens",
    "TranscriptTextUsageTokensInputTokenDetails",
    "TranscriptTextUsageTokensType",
    "TranslationResponseFormat",
    "VadConfig",
    "VadConfigType",
)
