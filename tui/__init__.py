"""mixreview's terminal app (Textual) and audition player (sounddevice)."""
