"""The OpenAI conformance suite of whisperd: `make conformance` (see README.md)."""
