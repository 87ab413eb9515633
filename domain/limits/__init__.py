"""Rate limits: what is counted, against which subjects, and the login back-off rule."""
