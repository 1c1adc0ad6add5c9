#!/usr/bin/env bash
# Readiness: 200 once the default model is loaded, 503 (exit 22) while it loads.
# Usage: ready.sh
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"
whisperd_curl "$WHISPERD_URL/ready"
