"""The review app's screens: help, notes, manual changes, confirmation, checks, export."""
