from enum import StrEnum


class TranscriptTextUsageTokensType(StrEnum):
    TOKENS = "tokens"

    def __str__(self) -> str:
        return str(self.value)
