#!/bin/sh
# setup-build.sh BUILD ROOT: a build directory reading ROOT/meta-env.
set -e
mkdir -p "$1/conf"
printf 'BBPATH = "${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "%s/meta-env"\n' "$2" > "$1/conf/bblayers.conf"
: > "$1/conf/local.conf"
