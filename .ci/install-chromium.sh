#!/bin/sh
# Installs headless Chromium and its driver from the Debian packages, for BrowserInterceptorIT.
# Idempotent: does nothing when both binaries are already there. Needs root (or sudo) for apt-get.
set -eu

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
else
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver

/usr/bin/chromium --version
/usr/bin/chromedriver --version
