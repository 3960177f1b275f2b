#!/bin/sh
# setup-build.sh BUILD ROOT: a build directory reading ROOT's layers (two of them inside meta-outer).
set -e
build=$1
root=$2
mkdir -p "$build/conf"
printf 'BBPATH = "${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "%s/meta-outer %s/meta-outer/meta-inner %s/meta-outer/meta-deep %s/meta-other %s/meta-appends"\n' "$root" "$root" "$root" "$root" "$root" > "$build/conf/bblayers.conf"
: > "$build/conf/local.conf"
