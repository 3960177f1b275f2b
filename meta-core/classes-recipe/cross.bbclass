# Recipes that build tools which run on the build host and produce code for the target
# (binutils-cross-${TARGET_ARCH}, gcc-cross-${TARGET_ARCH}). As OE's cross.bbclass: the host is the
# build machine, the target stays the configured TARGET_SYS, and the tools compile with the host
# compiler (BUILD_CC). Their output goes into the recipe-sysroot-native of the recipes that depend on
# them (staging.bbclass routes every PN containing "-cross-" there).

CLASSOVERRIDE = "class-cross"
PACKAGE_ARCH = "${BUILD_ARCH}"

HOST_ARCH = "${BUILD_ARCH}"
HOST_OS = "${BUILD_OS}"
HOST_VENDOR = ""
HOST_PREFIX = ""

CC = "${BUILD_CC}"
CXX = "${BUILD_CXX}"
CPP = "${BUILD_CPP}"
LD = "${BUILD_LD}"
AR = "${BUILD_AR}"
AS = "${BUILD_AS}"
RANLIB = "${BUILD_RANLIB}"
STRIP = "${BUILD_STRIP}"
NM = "${BUILD_NM}"
OBJCOPY = "${BUILD_OBJCOPY}"
OBJDUMP = "${BUILD_OBJDUMP}"
READELF = "${BUILD_READELF}"
CFLAGS = "${BUILD_CFLAGS}"
CXXFLAGS = "${BUILD_CXXFLAGS}"
CPPFLAGS = "${BUILD_CPPFLAGS}"
LDFLAGS = "${BUILD_LDFLAGS}"

# A cross tool needs no target compiler or libc to be built.
INHIBIT_DEFAULT_DEPS = "1"

PACKAGES = ""
PACKAGES_DYNAMIC = ""

# Recipes for the build host are not packaged: their package tasks (added by the globally
# inherited package class) leave the graph, so an image's recursive dependency on packages does
# not reach into the toolchain and make its sources and build needed again.
deltask do_package do_packagedata do_package_write_tar
