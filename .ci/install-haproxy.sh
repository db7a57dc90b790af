#!/bin/sh
# HAProxy (ClusterIT: HAProxy in front of three relay processes) from the Debian package. The test
# starts its own haproxy with its own config and ports; the package's default config and service
# are not used.
set -eu
sh "$(dirname "$0")/apt-install.sh" /usr/sbin/haproxy=haproxy
