from enum import StrEnum


class CreateTranscriptionResponseDiarizedJsonTask(StrEnum):
    TRANSCRIBE = "transcribe"

    def __str__(self) -> str:
        return str(self.value)
