#!/bin/sh
# setup-build.sh BUILD ROOT: a build directory reading ROOT/meta-one and ROOT/meta-two, and a
# recipe in BUILD/recipes that BBFILES collects but no layer's BBFILE_PATTERN matches.
set -e
build=$1
root=$2
mkdir -p "$build/conf" "$build/recipes"
printf 'BBPATH = "${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "%s/meta-one %s/meta-two"\n' "$root" "$root" > "$build/conf/bblayers.conf"
printf 'BBFILES += "${TOPDIR}/recipes/*.bb"\n' > "$build/conf/local.conf"
printf 'R_Z = "z"\n' > "$build/recipes/stray_1.0.bb"
