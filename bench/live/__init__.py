"""``python -m bench.live``: live transcription over the Realtime WebSocket, fed at real-time
pace, measured as a person speaking to it would notice it: how soon words appear after they
start speaking, how soon the turn is final after they stop, how many such sessions one
machine keeps up with, and whether the live text is as good as the file's."""
