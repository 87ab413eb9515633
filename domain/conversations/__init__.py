"""What an inbound text means: its intent, how sure we are, and what the dialler does."""
