#!/usr/bin/env bash
# Makes sure the machine has what the test suites run for real: PostgreSQL (server and client, for the
# backup and restore scripts), Prometheus and promtool (the alert rules), Alertmanager and amtool (the routing),
# postgres_exporter, redis_exporter, the blackbox exporter and redis-server (the end-to-end alert pipeline), rclone
# (the backups' object-storage client) and shellcheck (the scripts' lint). Installs them when it may (root with apt);
# otherwise stops with the exact command to run. A suite never skips because a tool is missing.
set -Eeuo pipefail
trap 'echo "test-prereqs: FAILED: $BASH_COMMAND (line $LINENO)" >&2' ERR

missing=()
pg_bin=""
for dir in /usr/lib/postgresql/*/bin; do
  [ -d "$dir" ] && pg_bin=$dir   # the glob sorts 15 before 16; one version is installed in practice
done
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ] || ! command -v pg_dump >/dev/null; then
  missing+=(postgresql postgresql-client)
fi
command -v promtool >/dev/null || missing+=(prometheus)
command -v amtool >/dev/null && command -v prometheus-alertmanager >/dev/null || missing+=(prometheus-alertmanager)
command -v prometheus-postgres-exporter >/dev/null || missing+=(prometheus-postgres-exporter)
command -v prometheus-redis-exporter >/dev/null || missing+=(prometheus-redis-exporter)
command -v prometheus-blackbox-exporter >/dev/null || missing+=(prometheus-blackbox-exporter)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v shellcheck >/dev/null || missing+=(shellcheck)
# The database TLS test makes its own CA and server certificate.
command -v openssl >/dev/null || missing+=(openssl)
# The backup scripts move dumps to object storage with rclone; the tests run the same client against s3rver.
command -v rclone >/dev/null || missing+=(rclone)
command -v runuser >/dev/null || missing+=(util-linux)

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "test-prereqs: installing ${missing[*]}" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian may start the packaged daemons; the tests start their own on free loopback ports.
  for unit in prometheus prometheus-alertmanager prometheus-postgres-exporter prometheus-redis-exporter \
      prometheus-blackbox-exporter prometheus-node-exporter redis-server; do
    { command -v service >/dev/null && service "$unit" stop; } >/dev/null 2>&1 || true
  done
else
  echo "test-prereqs: missing ${missing[*]}; run as root: $cmd" >&2
  exit 1
fi
