"""The demo session's generator (``python tools/make_sample_session.py``): the song, its MIDI
parts and sung vocal, the stem processing and the files written; shared with the benchmark songs."""
