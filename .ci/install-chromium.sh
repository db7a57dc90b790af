#!/bin/sh
# Headless Chromium and its driver from the Debian packages, for BrowserInterceptorIT.
set -eu
sh "$(dirname "$0")/apt-install.sh" /usr/bin/chromium=chromium /usr/bin/chromedriver=chromium-driver
