-- docker-compose only: the read-only account the dialler uses on the replica.
CREATE USER IF NOT EXISTS 'dialler_reader'@'%' IDENTIFIED BY 'reader';
GRANT SELECT ON rmc.* TO 'dialler_reader'@'%';
