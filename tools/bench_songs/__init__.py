"""Benchmark songs for judging the assistant: generated mixes with planted problems and truth.

``tools/make_bench_songs.py`` builds them (cached outside the repository); ``score`` runs the
engine on every take and compares what it finds with the truth.
"""
