"""SMS messages, opt-outs, follow-ups and magic links."""
