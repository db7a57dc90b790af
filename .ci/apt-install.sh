#!/bin/sh
# Installs Debian packages for the integration tests, only when a binary they provide is missing.
# Usage: apt-install.sh BINARY=PACKAGE [BINARY=PACKAGE ...]   e.g. /usr/sbin/nginx=nginx
# Idempotent; needs root (or sudo) for apt-get.
set -eu

missing=""
for pair in "$@"; do
    binary=${pair%%=*}
    package=${pair#*=}
    [ -x "$binary" ] || missing="$missing $package"
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
else
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
