"""Scripts that generate sample material for mixreview."""
