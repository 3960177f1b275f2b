SUMMARY = "GNU binutils (assembler, linker, archiver) running on the build host, for ${TARGET_SYS}"
HOMEPAGE = "https://www.gnu.org/software/binutils/"
LICENSE = "GPL-3.0-only"

inherit cross autotools

PN = "binutils-cross-${TARGET_ARCH}"
BPN = "binutils"
PROVIDES = "virtual/${TARGET_PREFIX}binutils"

# Debian's orig is not upstream's tarball although it has no +dfsg suffix: the GFDL manuals
# (bfd.texi, bfdint.texi, ldint.texi) are stubs, bfd.info is removed, and it is recompressed. So
# the Debian source package itself is named, with its own checksum.
SRC_URI = "apt://binutils/2.40-2/binutils_2.40.orig.tar.xz;name=orig"
SRC_URI[orig.sha256sum] = "d78c2d2eb24a9be1e02f8854cb1bd435556d7f584fb6bfb6b07e6527d43fc41d"
S = "${UNPACKDIR}/binutils-2.40"

# --with-sysroot enables ld's --sysroot (target recipes always pass one; the default, inside the
# prefix, is relocatable and never populated). No host libraries that a second machine may lack
# (zstd, debuginfod, msgpack), deterministic archives for reproducible target libraries.
EXTRA_OECONF = " \
    --with-sysroot=${exec_prefix}/${TARGET_SYS}/sysroot \
    --disable-nls --disable-werror --disable-multilib --disable-gprofng --disable-gdb \
    --disable-gdbserver --disable-sim --disable-readline --disable-libdecnumber \
    --enable-deterministic-archives --without-zstd --without-debuginfod --without-msgpack \
    --enable-plugins \
    "

# The stubbed manuals cannot be regenerated (and need not be): no makeinfo runs.
EXTRA_OEMAKE = "MAKEINFO=true"
