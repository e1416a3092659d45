"""The sample sessions installed with mixreview (audio and manifests; no code)."""
