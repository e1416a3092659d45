"""The review app's screens: loading, review, help, notes, manual changes, checks, export."""
