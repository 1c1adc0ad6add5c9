#!/usr/bin/env bash
# Transcribe with a specific installed model instead of the default one.
# Usage: transcribe-model.sh [MODEL] [AUDIO]   (MODEL defaults to tiny.en; `GET /v1/models` lists them)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"
model="${1:-tiny.en}"
audio="${2:-${WHISPERD_AUDIO:-speech.mp3}}"
whisperd_curl "$WHISPERD_URL/v1/audio/transcriptions" -F "file=@$audio" -F "model=$model"
