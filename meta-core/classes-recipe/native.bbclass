# Recipes that build tools for the build host (`inherit native`, or BBCLASSEXTEND = "native", which
# makes a `-native` variant of a target recipe). They compile with the host compiler and land in
# the recipe-sysroot-native of the recipes that depend on them.
CLASSOVERRIDE = "class-native"
PACKAGE_ARCH = "${BUILD_ARCH}"
TARGET_ARCH = "${BUILD_ARCH}"
TARGET_OS = "${BUILD_OS}"
TARGET_VENDOR = ""

HOST_ARCH = "${BUILD_ARCH}"
HOST_OS = "${BUILD_OS}"
HOST_VENDOR = ""
HOST_PREFIX = ""

CC = "${BUILD_CC}"
CXX = "${BUILD_CXX}"
CPP = "${BUILD_CPP}"
AR = "${BUILD_AR}"
LD = "${BUILD_LD}"
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

PACKAGES = ""
PACKAGES_DYNAMIC = ""

# Build-time names of a native recipe are the -native ones: DEPENDS and PROVIDES of a recipe
# extended with BBCLASSEXTEND = "native" are mapped here (OE's native_virtclass_handler).
js () {
    const nativeName = (dep) => {
        if (dep.endsWith('-native') || dep.endsWith('-cross') || dep.includes('-cross-')) return dep;
        return dep + '-native';
    };
    const words = (name) => (d.getVar(name) || '').split(/\s+/).filter(Boolean);
    d.setVar('DEPENDS', words('DEPENDS').map(nativeName).join(' '));
    const pn = d.getVar('PN');
    d.setVar('PROVIDES', words('PROVIDES').filter((p) => p !== pn).map(nativeName).join(' '));
}

# Recipes for the build host are not packaged: their package tasks (added by the globally
# inherited package class) leave the graph, so an image's recursive dependency on packages does
# not reach into the toolchain and make its sources and build needed again.
deltask do_package do_packagedata do_package_write_tar
