#!/bin/sh
# setup-build.sh BUILD ROOT: a build directory reading ROOT/meta-ovr.
set -e
mkdir -p "$1/conf"
printf 'BBPATH = "${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "%s/meta-ovr"\n' "$2" > "$1/conf/bblayers.conf"
: > "$1/conf/local.conf"
