"""In-memory fakes of the ports, for unit tests of the use cases without any database."""
