do_fetch() {
	:
}
addtask fetch
do_unpack() {
	:
}
addtask unpack after do_fetch
do_populate_lic() {
	:
}
addtask populate_lic after do_unpack
do_compile() {
	:
}
addtask compile after do_unpack
do_compile[deptask] = "do_populate_sysroot"
do_populate_sysroot() {
	:
}
addtask populate_sysroot after do_compile
do_package_write() {
	:
}
addtask package_write after do_compile
do_package_write[rdeptask] = "do_package_write"
do_build() {
	:
}
addtask build after do_populate_sysroot do_package_write
