"""End-to-end tests of the generated client SDKs against a live whisperd."""
