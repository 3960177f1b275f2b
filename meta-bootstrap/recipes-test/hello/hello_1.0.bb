SUMMARY = "Hello world, built by the cross toolchain against its own recipe sysroot (static)"
LICENSE = "MIT"

SRC_URI = "file://hello.c"
S = "${UNPACKDIR}"

do_compile() {
	${CC} ${CFLAGS} ${LDFLAGS} -static hello.c -o hello
}

do_install() {
	install -d "${D}${bindir}"
	install -m 0755 hello "${D}${bindir}/hello"
}
