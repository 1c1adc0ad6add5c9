#!/usr/bin/env bash
# The models this server can use, or one of them.
# Usage: models.sh [MODEL]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"
if [ $# -gt 0 ]; then
  whisperd_curl "$WHISPERD_URL/v1/models/$1"
else
  whisperd_curl "$WHISPERD_URL/v1/models"
fi
