from enum import StrEnum


class CreateTranscriptionResponseVerboseJsonTask(StrEnum):
    TRANSCRIBE = "transcribe"

    def __str__(self) -> str:
        return str(self.value)
