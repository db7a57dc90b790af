#!/bin/sh
# nginx (NginxIT: nginx in front of a running relay) and systemd-analyze (SystemdUnitIT: systemd's
# check of deploy/systemd/wsrelay.service) from the Debian packages. The test starts its own nginx
# with its own config, pid file and ports; the package's default site is not used.
set -eu
sh "$(dirname "$0")/apt-install.sh" /usr/sbin/nginx=nginx /usr/bin/systemd-analyze=systemd
