"""Automated (AI) agents: whom they text, what they say, when a person takes over."""
