"""Reading inbound texts: the trained intent classifier and the callback-time parser."""
