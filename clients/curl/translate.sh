#!/usr/bin/env bash
# Translate speech in any language into English JSON text.
# Usage: translate.sh [AUDIO]   (AUDIO defaults to $WHISPERD_AUDIO, then german.m4a)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"
audio="${1:-${WHISPERD_AUDIO:-german.m4a}}"
whisperd_curl "$WHISPERD_URL/v1/audio/translations" -F "file=@$audio" -F "model=$WHISPERD_MODEL"
