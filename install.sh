#!/bin/sh
# Install everything exim-acl needs on a fresh Debian machine: the Debian
# packages its tests use, then the package itself (editable) with its test extras.
# Idempotent: packages already present are not fetched again.
set -eu
cd "$(dirname "$0")"

DEBS="$(grep -v '^#' debian-packages.txt | tr '\n' ' ')"
missing=""
for p in $DEBS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "install.sh: installing Debian packages:$missing" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q --disable-pip-version-check -e '.[test]'
