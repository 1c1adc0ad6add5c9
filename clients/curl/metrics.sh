#!/usr/bin/env bash
# Prometheus metrics.
# Usage: metrics.sh
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"
whisperd_curl "$WHISPERD_URL/metrics"
