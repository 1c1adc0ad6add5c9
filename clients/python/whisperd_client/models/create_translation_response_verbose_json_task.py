from enum import StrEnum


class CreateTranslationResponseVerboseJsonTask(StrEnum):
    TRANSLATE = "translate"

    def __str__(self) -> str:
        return str(self.value)
