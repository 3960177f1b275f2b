SUMMARY = "A small image that boots to a shell: busybox, its init setup and the base files"
LICENSE = "MIT"
inherit image

IMAGE_INSTALL = "base-files base-passwd busybox initscripts"
