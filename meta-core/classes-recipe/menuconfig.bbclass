# `bake -c menuconfig RECIPE` for Kconfig-based recipes (OE's cml1.bbclass): the configuration's
# menu in bake's terminal, on the .config do_configure made in ${B}. A changed .config taints
# do_compile (its signature changes), so the next build compiles with it; `bake -c configure -f`
# goes back to the recipe's own configuration. The menu needs ncurses (libncurses-dev) on the host.
MENUCONFIG_MAKE ?= "oe_runmake"
MENUCONFIG_TARGET ?= "menuconfig"
do_menuconfig() {
	[ -t 0 ] && [ -t 1 ] || bbfatal "${MENUCONFIG_TARGET} needs a terminal: run bake -c menuconfig ${PN} from one"
	cp .config .config.before-menuconfig
	${MENUCONFIG_MAKE} ${MENUCONFIG_TARGET}
	if ! cmp -s .config .config.before-menuconfig; then
		# A new taint: the mark -f and -C leave (bake's stamps), so do_compile and what follows rerun.
		cat /proc/sys/kernel/random/uuid > "${STAMP}.do_compile.taint"
		bbnote "the configuration changed: do_compile will run again"
	fi
}
do_menuconfig[interactive] = "1"
do_menuconfig[nostamp] = "1"
do_menuconfig[dirs] = "${B}"
do_menuconfig[doc] = "Runs the Kconfig menu (make menuconfig) on the configuration in the build directory"
addtask menuconfig after do_configure
