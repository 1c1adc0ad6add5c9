#!/usr/bin/env bash
# Liveness, with the inference queue (no API key needed).
# Usage: health.sh
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"
whisperd_curl "$WHISPERD_URL/health"
