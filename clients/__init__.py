"""Client SDKs generated from spec/openapi.yaml, their helpers and their tests."""
