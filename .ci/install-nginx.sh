#!/bin/sh
# Installs nginx (NginxIT: nginx in front of a running relay) and systemd-analyze (SystemdUnitIT:
# systemd's check of deploy/systemd/wsrelay.service) from the Debian packages.
# Idempotent: does nothing when both are already there. Needs root (or sudo) for apt-get.
# The test starts its own nginx with its own config, pid file and ports; the package's default
# site is not used and its service need not run.
set -eu

missing=""
[ -x /usr/sbin/nginx ] || missing="$missing nginx"
[ -x /usr/bin/systemd-analyze ] || missing="$missing systemd"
if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
else
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing

/usr/sbin/nginx -v
/usr/bin/systemd-analyze --version | head -n 1
