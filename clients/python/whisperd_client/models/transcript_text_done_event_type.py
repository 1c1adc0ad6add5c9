from enum import StrEnum


class TranscriptTextDoneEventType(StrEnum):
    TRANSCRIPT_TEXT_DONE = "transcript.text.done"

    def __str__(self) -> str:
        return str(self.value)
