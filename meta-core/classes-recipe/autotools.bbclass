# Building with a GNU configure script (autoconf), out of tree in ${B}, as OE's autotools.bbclass
# without the autoreconf step: the sources here ship a generated configure (recipes whose Debian
# repack dropped it run autoreconf themselves).

B = "${WORKDIR}/build"

CONFIGURE_SCRIPT ?= "${S}/configure"
EXTRA_OECONF ?= ""
EXTRA_OEMAKE ?= ""

# --build/--host/--target always given: configure must never guess a cross setting from the host.
CONFIGUREOPTS = " \
    --build=${BUILD_SYS} \
    --host=${HOST_SYS} \
    --target=${TARGET_SYS} \
    --prefix=${prefix} \
    --exec_prefix=${exec_prefix} \
    --bindir=${bindir} \
    --sbindir=${sbindir} \
    --libexecdir=${libexecdir} \
    --datadir=${datadir} \
    --sysconfdir=${sysconfdir} \
    --localstatedir=${localstatedir} \
    --libdir=${libdir} \
    --includedir=${includedir} \
    --mandir=${mandir} \
    --disable-silent-rules \
    --disable-dependency-tracking \
    "

# Configure scripts and libtool write here-documents to TMPDIR; builds sharing /tmp have been seen
# to corrupt each other's config.status there (toolchain-feasibility notes, failure 4), so every
# task gets a directory of its own.
autotools_private_tmp() {
	mkdir -p "${WORKDIR}/private-tmp"
	export TMPDIR="${WORKDIR}/private-tmp"
}

autotools_do_configure() {
	autotools_private_tmp
	${CONFIGURE_SCRIPT} ${CONFIGUREOPTS} ${EXTRA_OECONF} "$@" || die "configure failed (see ${B}/config.log)"
}

autotools_do_compile() {
	autotools_private_tmp
	oe_runmake
}

autotools_do_install() {
	autotools_private_tmp
	oe_runmake DESTDIR="${D}" install
}

# A fresh build tree for every configure: a stale config.cache or object from an earlier run must
# not survive a change of options.
do_configure[cleandirs] = "${B}"

EXPORT_FUNCTIONS do_configure do_compile do_install
