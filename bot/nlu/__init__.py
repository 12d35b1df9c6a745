"""Custom Rasa NLU components; loaded by the dialogue server (Python 3.10, no torch)."""
