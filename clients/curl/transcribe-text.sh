#!/usr/bin/env bash
# Transcribe into plain text (response_format=text).
# Usage: transcribe-text.sh [AUDIO]   (AUDIO defaults to $WHISPERD_AUDIO, then speech.mp3)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"
audio="${1:-${WHISPERD_AUDIO:-speech.mp3}}"
whisperd_curl "$WHISPERD_URL/v1/audio/transcriptions" -F "file=@$audio" -F "model=$WHISPERD_MODEL" \
  -F response_format=text
