"""Streaming meters: each is fed float32 blocks of shape (frames, channels) with ``update`` and
returns a frozen result with ``result``.

Every meter carries whatever state it needs across blocks, so the result never depends on the
block size. Meters take the block as given and never keep a reference to it.
"""
