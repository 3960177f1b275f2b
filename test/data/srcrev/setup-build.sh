#!/bin/sh
# setup-build.sh BUILD LAYER: a build directory for meta-srcrev, with the git repository its
# protocol=file recipes read (BUILD/repo: three commits on main with fixed dates, so fixed hashes;
# an annotated tag v1.0 on the second, a lightweight tag old on the first).
set -e
build=$1
layer=$2
mkdir -p "$build/conf"
printf 'BBPATH = "${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "%s"\n' "$layer" > "$build/conf/bblayers.conf"
: > "$build/conf/local.conf"
repo=$build/repo
rm -rf "$repo"
git init -q -b main "$repo"
export GIT_AUTHOR_NAME=bake GIT_AUTHOR_EMAIL=bake@example.com GIT_COMMITTER_NAME=bake GIT_COMMITTER_EMAIL=bake@example.com
for i in 1 2 3; do
  echo "$i" > "$repo/file"
  git -C "$repo" add file
  GIT_AUTHOR_DATE="2020-01-0${i}T00:00:00Z" GIT_COMMITTER_DATE="2020-01-0${i}T00:00:00Z" git -C "$repo" -c commit.gpgsign=false commit -q -m "commit $i"
  [ "$i" = 1 ] && git -C "$repo" tag old
  [ "$i" = 2 ] && GIT_COMMITTER_DATE="2020-01-02T00:00:00Z" git -C "$repo" -c tag.gpgsign=false tag -a -m "version 1.0" v1.0
done
git -C "$repo" rev-parse HEAD old v1.0 'v1.0^{}'
