#!/bin/sh
# deps.sh: installs the Debian packages svccert needs (as root) when any is missing; --tests adds what the tests use
# (Chromium: the HTML report is rendered by a real browser in the tests).
set -eu
pkgs="wine64 wine gcc-mingw-w64-x86-64 mingw-w64-x86-64-dev ninja-build gcc libc6-dev libjansson-dev libssl-dev zlib1g-dev libxml2-dev bubblewrap"
[ "${1:-}" = "--tests" ] && pkgs="$pkgs python3 python3-pytest python3-junitparser python3-jsonschema chromium"
# the SARIF Multitool comes from npm (tools/npm-deps); a Node.js from elsewhere that brings its own npm will do
[ "${1:-}" = "--tests" ] && ! command -v npm >/dev/null && pkgs="$pkgs nodejs npm"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "svccert: missing Debian packages:$missing (run as root, or: sudo apt-get install$missing)" >&2
    exit 2
fi
echo "svccert: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/tmp/svccert-apt.log 2>&1 || { tail -5 /tmp/svccert-apt.log >&2; exit 2; }
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >>/tmp/svccert-apt.log 2>&1 || { tail -20 /tmp/svccert-apt.log >&2; exit 2; }
