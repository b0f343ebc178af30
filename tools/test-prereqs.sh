#!/usr/bin/env bash
# Makes sure the machine has what the test suites run for real: PostgreSQL (server and client, for the
# backup and restore scripts), promtool (for the alert rules) and rclone (the backups' object-storage client). Installs them when it may (root with
# apt); otherwise stops with the exact command to run. A suite never skips because a tool is missing.
set -euo pipefail

missing=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ] || ! command -v pg_dump >/dev/null; then
  missing+=(postgresql postgresql-client)
fi
command -v promtool >/dev/null || missing+=(prometheus)
# The backup scripts move dumps to object storage with rclone; the tests run the same client against s3rver.
command -v rclone >/dev/null || missing+=(rclone)
command -v runuser >/dev/null || missing+=(util-linux)

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "test-prereqs: installing ${missing[*]}" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts a packaged prometheus; the tests only need promtool.
  { command -v service >/dev/null && service prometheus stop; } >/dev/null 2>&1 || true
else
  echo "test-prereqs: missing ${missing[*]}; run as root: $cmd" >&2
  exit 1
fi
