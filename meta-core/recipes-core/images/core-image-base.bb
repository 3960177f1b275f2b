SUMMARY = "A console image with networking and an SSH server"
DESCRIPTION = "core-image-minimal with the network brought up by DHCP at boot (init-ifupdown) and \
the Dropbear SSH server; root logs in with the keys of ROOTFS_ROOT_AUTHORIZED_KEYS. The tools of \
the CMake (libzip) and Meson (fribidi) recipes come along, and lzip (C++, with libstdc++), so that \
each recipe class and the C++ toolchain have a program in the image."
LICENSE = "MIT"
require core-image-minimal.bb

IMAGE_INSTALL += "init-ifupdown dropbear libzip-tools fribidi-bin lzip"
