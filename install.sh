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

# pip itself, where the machine's python3 comes without it.
if ! python3 -m pip --version >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pip >/dev/null
fi

# The README's commands run `python3` itself (python3 -m acl, python3 -m pytest),
# so the package goes into that interpreter. A Debian system Python outside any
# virtualenv is marked externally managed (PEP 668): say so explicitly there.
PIP_EXTRA=""
if python3 -c 'import os, sys, sysconfig; sys.exit(not (sys.prefix == sys.base_prefix and os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))))'; then
    PIP_EXTRA="--break-system-packages"
fi
PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q --disable-pip-version-check $PIP_EXTRA -e '.[test]'
