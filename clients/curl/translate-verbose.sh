#!/usr/bin/env bash
# Translate into English verbose_json (language, duration, segments); WHISPERD_FORMAT picks another (text, srt, vtt, json).
# Usage: translate-verbose.sh [AUDIO]   (WHISPERD_FORMAT=verbose_json by default)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"
audio="${1:-${WHISPERD_AUDIO:-german.m4a}}"
whisperd_curl "$WHISPERD_URL/v1/audio/translations" -F "file=@$audio" -F "model=$WHISPERD_MODEL" \
  -F "response_format=${WHISPERD_FORMAT:-verbose_json}"
