"""Helpers of the conformance suite: no tests here, only what the four checks share."""
