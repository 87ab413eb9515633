"""Change data capture: what a message from the main application's binlog means to us."""
