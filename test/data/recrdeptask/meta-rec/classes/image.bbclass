# As OE's image and license_image classes: the root filesystem wants the licenses and packages of
# everything its tasks reach, a native tool among them through [depends]; the license deployment
# only reaches its direct dependencies.
do_rootfs() {
	:
}
addtask rootfs after do_compile before do_build
do_rootfs[recrdeptask] = "do_populate_lic do_package_write"
do_rootfs[depends] = "tool-native:do_populate_sysroot"
do_lic_deploy() {
	:
}
addtask lic_deploy after do_fetch before do_build
do_lic_deploy[recrdeptask] = "do_populate_lic"
