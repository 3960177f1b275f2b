#!/bin/sh
# setup-build.sh BUILD ROOT: a build directory reading ROOT/meta-warn and ROOT/meta-bsp.
set -e
mkdir -p "$1/conf"
printf 'BBPATH = "${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "%s/meta-warn %s/meta-bsp"\n' "$2" "$2" > "$1/conf/bblayers.conf"
: > "$1/conf/local.conf"
