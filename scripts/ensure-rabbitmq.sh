#!/usr/bin/env bash
# Make sure RabbitMQ answers on PARLEY_AMQP_URL's host:port (default 127.0.0.1:5672).
# Starts a local rabbitmq-server when one is installed and not running; otherwise says how.
set -euo pipefail

url="${PARLEY_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}"
hostport="${url#*://}"; hostport="${hostport#*@}"; hostport="${hostport%%/*}"
host="${hostport%%:*}"; port="${hostport##*:}"; [ "$port" = "$host" ] && port=5672

answers() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

if answers; then exit 0; fi
if ! command -v rabbitmq-server >/dev/null 2>&1; then
  echo "RabbitMQ is not running on $host:$port and rabbitmq-server is not installed." >&2
  echo "fix: install it (apt-get install rabbitmq-server) or run" >&2
  echo "     docker run -d -p 5672:5672 rabbitmq:4-management, or set PARLEY_AMQP_URL" >&2
  exit 1
fi
echo "starting RabbitMQ (rabbitmq-server -detached)…"
rabbitmq-server -detached
for _ in $(seq 1 60); do
  if answers; then echo "RabbitMQ is up on $host:$port"; exit 0; fi
  sleep 1
done
echo "RabbitMQ did not come up on $host:$port within 60 s; see its log under /var/log/rabbitmq" >&2
exit 1
