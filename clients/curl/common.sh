# Sourced by the scripts beside it. Environment:
#   WHISPERD_URL      the server (default http://localhost:50060)
#   WHISPERD_MODEL    the model to ask for (default whisper-1, the server's default model)
#   WHISPERD_API_KEY  sent as a Bearer token when set (servers started with --api-key)
WHISPERD_URL="${WHISPERD_URL:-http://localhost:50060}"
WHISPERD_URL="${WHISPERD_URL%/}"
WHISPERD_MODEL="${WHISPERD_MODEL:-whisper-1}"

# curl that fails (exit 22) on an error status but still prints the error's JSON body.
whisperd_curl() {
  local auth=()
  if [ -n "${WHISPERD_API_KEY:-}" ]; then
    auth=(-H "Authorization: Bearer ${WHISPERD_API_KEY}")
  fi
  curl --fail-with-body --silent --show-error ${auth[@]+"${auth[@]}"} "$@"
}
