# `bake -c menuconfig RECIPE` for Kconfig-based recipes (OE's cml1.bbclass, with its tasks and
# messages): the configuration's menu in bake's terminal, on the .config do_configure made in ${B}.
# A changed .config taints do_compile (its signature changes), so the next build compiles with it;
# `bake -c diffconfig RECIPE` then writes what changed as a fragment (${WORKDIR}/fragment.cfg) to
# add to SRC_URI, and `bake -c configure -f RECIPE` goes back to the recipe's own configuration.
# The menu needs ncurses (libncurses-dev) on the host.
MENUCONFIG_MAKE ?= "oe_runmake"
MENUCONFIG_TARGET ?= "menuconfig"
do_menuconfig() {
	[ -t 0 ] && [ -t 1 ] || bbfatal "${MENUCONFIG_TARGET} needs a terminal: run bake -c menuconfig ${PN} from one"
	cp .config .config.orig
	${MENUCONFIG_MAKE} ${MENUCONFIG_TARGET}
	if ! cmp -s .config .config.orig; then
		# A new taint: the mark -f and -C leave (bake's stamps), so do_compile and what follows rerun.
		cat /proc/sys/kernel/random/uuid > "${STAMP}.do_compile.taint"
		bbplain "Changed configuration saved at:"
		bbplain " ${B}/.config"
		bbplain "Recompile will be forced"
	fi
}
do_menuconfig[interactive] = "1"
do_menuconfig[nostamp] = "1"
do_menuconfig[dirs] = "${B}"
do_menuconfig[doc] = "Runs the Kconfig menu (make menuconfig) on the configuration in the build directory"
addtask menuconfig after do_configure

# The lines of .config the last menuconfig added or changed: a fragment in the form the recipes'
# do_configure reads from SRC_URI (file://….cfg); none when nothing changed.
do_diffconfig() {
	[ -f .config ] && [ -f .config.orig ] || bbfatal "No config files found. Did you do menuconfig ?"
	if cmp -s .config.orig .config; then
		rm -f "${WORKDIR}/fragment.cfg"
		return
	fi
	# diff exits 1 when the files differ, which they do here.
	diff --unchanged-line-format= --old-line-format= --new-line-format="%L" .config.orig .config > "${WORKDIR}/fragment.cfg" || [ $? -eq 1 ]
	bbplain "Config fragment has been dumped into:"
	bbplain " ${WORKDIR}/fragment.cfg"
}
do_diffconfig[nostamp] = "1"
do_diffconfig[dirs] = "${B}"
do_diffconfig[doc] = "Writes the configuration lines menuconfig changed to fragment.cfg in the work directory"
addtask diffconfig

do_showconfig() {
	bbplain "Config file written to ${B}/.config"
}
do_showconfig[nostamp] = "1"
do_showconfig[dirs] = "${B}"
do_showconfig[doc] = "Says where the configuration is"
addtask showconfig after do_configure
