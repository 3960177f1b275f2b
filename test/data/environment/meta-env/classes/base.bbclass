do_fetch() {
	:
}
addtask fetch
do_build() {
	:
}
addtask build after do_fetch

python base_report() {
    bb.plain("report")
}

python () {
    d.setVar("FROM_BASE_ANON", d.getVar("PN"))
}
