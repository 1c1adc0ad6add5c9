#!/usr/bin/env bash
# Stream the transcript as server-sent events: transcript.text.delta events, one transcript.text.done, then [DONE].
# Usage: transcribe-stream.sh [AUDIO]   (AUDIO defaults to $WHISPERD_AUDIO, then speech.mp3)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"
audio="${1:-${WHISPERD_AUDIO:-speech.mp3}}"
whisperd_curl -N "$WHISPERD_URL/v1/audio/transcriptions" -F "file=@$audio" -F "model=$WHISPERD_MODEL" \
  -F stream=true
