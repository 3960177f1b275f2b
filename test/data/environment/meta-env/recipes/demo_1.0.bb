require demo.inc
MULTI = "a \
    b \
    c"
export EXPORTED = "x"
FILES:${PN}-extra = "/opt"

do_compile() {
	echo compile ${PN}
}
addtask compile after do_fetch before do_build

pkg_postinst:${PN}-extra() {
	echo post
}

do_odd-name() {
	echo odd
}

python do_report() {
    bb.plain("report")
}

python do_report:prepend () {
    bb.plain("first")
}

python () {
    d.setVar("FROM_ANON", "yes")
}
EXPORT_ME = "y"
export EXPORT_ME
