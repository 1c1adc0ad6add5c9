"""whisperd's benchmark: the engine in-process beside the same audio through the HTTP server.

Run it with ``make bench`` (full) or ``.venv/bin/python -m bench --quick``; see README.md.
"""
