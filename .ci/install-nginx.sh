#!/bin/sh
# Installs nginx from the Debian package, for NginxIT (nginx in front of a running relay).
# Idempotent: does nothing when nginx is already there. Needs root (or sudo) for apt-get.
# The test starts its own nginx with its own config, pid file and ports; the package's default
# site is not used and its service need not run.
set -eu

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
else
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends nginx

/usr/sbin/nginx -v
