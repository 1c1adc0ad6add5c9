from enum import StrEnum


class TranscriptionInclude(StrEnum):
    LOGPROBS = "logprobs"

    def __str__(self) -> str:
        return str(self.value)
