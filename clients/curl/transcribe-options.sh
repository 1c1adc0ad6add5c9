#!/usr/bin/env bash
# Transcribe with options: a known language, a prompt, a temperature, voice activity detection.
# Usage: transcribe-options.sh [AUDIO]   (WHISPERD_LANGUAGE=en WHISPERD_PROMPT=... WHISPERD_TEMPERATURE=0.2 WHISPERD_CHUNKING=auto)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"
audio="${1:-${WHISPERD_AUDIO:-speech.mp3}}"
whisperd_curl "$WHISPERD_URL/v1/audio/transcriptions" -F "file=@$audio" -F "model=$WHISPERD_MODEL" \
  --form-string "language=${WHISPERD_LANGUAGE:-en}" \
  --form-string "prompt=${WHISPERD_PROMPT:-A talk about the weather.}" \
  -F "temperature=${WHISPERD_TEMPERATURE:-0.2}" \
  -F "chunking_strategy=${WHISPERD_CHUNKING:-auto}"
