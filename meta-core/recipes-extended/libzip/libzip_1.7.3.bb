SUMMARY = "Library for reading, creating and modifying zip archives"
DESCRIPTION = "libzip and its tools zipmerge and ziptool, built with CMake against zlib."
HOMEPAGE = "https://libzip.org/"
LICENSE = "BSD-3-Clause"
LIC_FILES_CHKSUM = "file://LICENSE;md5=067e9870bba57e1ce20695c4d5672f30"

SRC_URI = "apt://libzip//libzip_1.7.3.orig.tar.xz"
SRC_URI[sha256sum] = "a60473ffdb7b4260c08bfa19c2ccea0438edac11193c3afbbb1f17fbcf6c6132"
S = "${UNPACKDIR}/libzip-${PV}"

inherit cmake pkgconfig
# find_package(ZLIB) finds zlib in the recipe sysroot (the toolchain file confines it there).
DEPENDS = "zlib"

# The optional crypto and compression back ends are not built (no recipes for them yet), nor the
# tests, examples and manual pages (mandoc is not a host tool here).
EXTRA_OECMAKE = " \
    -DENABLE_COMMONCRYPTO=OFF -DENABLE_GNUTLS=OFF -DENABLE_MBEDTLS=OFF -DENABLE_OPENSSL=OFF \
    -DENABLE_WINDOWS_CRYPTO=OFF -DENABLE_BZIP2=OFF -DENABLE_LZMA=OFF \
    -DBUILD_REGRESS=OFF -DBUILD_EXAMPLES=OFF -DBUILD_DOC=OFF \
    "

# zipcmp walks directories with fts(3), which musl does not have: it is left out on musl (the
# other tools and the library need nothing of it).
libzip_drop_zipcmp() {
	sed -i -e 's/foreach(PROGRAM zipcmp zipmerge ziptool)/foreach(PROGRAM zipmerge ziptool)/' \
		-e '/target_link_libraries(zipcmp /d' "${S}/src/CMakeLists.txt"
	grep -q 'foreach(PROGRAM zipmerge ziptool)' "${S}/src/CMakeLists.txt" || bbfatal "libzip: src/CMakeLists.txt changed: zipcmp not removed"
}
LIBZIP_LIBC_FIXUPS = ""
LIBZIP_LIBC_FIXUPS:libc-musl = "libzip_drop_zipcmp"
do_patch[postfuncs] += "${LIBZIP_LIBC_FIXUPS}"

PACKAGE_BEFORE_PN = "${PN}-tools"
FILES:${PN}-tools = "${bindir}"
