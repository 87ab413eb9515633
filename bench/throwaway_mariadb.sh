#!/usr/bin/env bash
# A MariaDB of the benchmark's own, on a free port, with a buffer pool that holds the data
# (as a production replica's would); the shared server is never touched.
#   bench/throwaway_mariadb.sh start [PORT] [BUFFER_POOL]   prints its URL
#   bench/throwaway_mariadb.sh stop [PORT]                   stops it and deletes its data
set -euo pipefail
action=${1:?start or stop}
port=${2:-3399}
pool=${3:-4G}
dir=/tmp/throwaway-mariadb-$port
case "$action" in
  start)
    if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
      echo "port $port is taken" >&2; exit 1
    fi
    rm -rf "$dir" && mkdir -p "$dir"
    mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
      --user="$(id -un)" >"$dir/install.log" 2>&1
    mariadbd --no-defaults --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
      --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" --user="$(id -un)" \
      --innodb-buffer-pool-size="$pool" --innodb-log-file-size=512M \
      --innodb-flush-log-at-trx-commit=2 --max-connections=200 >"$dir/server.log" 2>&1 &
    for _ in $(seq 1 100); do
      if mariadb --no-defaults -h127.0.0.1 -P"$port" -uroot -e "SELECT 1" >/dev/null 2>&1; then
        echo "mysql://root@127.0.0.1:$port/mysql"; exit 0
      fi
      sleep 0.2
    done
    echo "the server did not start: see $dir/server.log" >&2; exit 1 ;;
  stop)
    if [ -f "$dir/mysqld.pid" ]; then kill "$(cat "$dir/mysqld.pid")" || true; fi
    for _ in $(seq 1 100); do [ -f "$dir/mysqld.pid" ] || break; sleep 0.2; done
    rm -rf "$dir" ;;
  *) echo "start or stop" >&2; exit 2 ;;
esac
