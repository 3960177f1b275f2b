# `bake -c devshell RECIPE` (OE's devshell): a shell in the recipe's task environment (its exported
# variables: PATH with the recipe's native sysroot, CC, CFLAGS…), in ${S}, after the sources are
# unpacked and patched and the sysroots prepared. [interactive] gives the task bake's own
# terminal (stdin, stdout, stderr) instead of its log; leave the shell to end the task.
# Inside tmux or screen (TMUX or STY passed through BB_ENV_PASSTHROUGH_ADDITIONS), the shell
# opens in a new window of it instead, and the task waits until that window closes.
# The shell to start; empty: bash (without the user's rc files, which would reset PATH) or sh.
DEVSHELL ?= ""
do_devshell() {
	export PS1="${PN} devshell \$ "
	set -- ${DEVSHELL}
	if [ $# -eq 0 ]; then
		if command -v bash >/dev/null; then set -- bash --norc -i; else set -- sh -i; fi
	fi
	bbnote "devshell: $* in ${S}; exit it to end the task"
	if [ -n "${TMUX}" ] && command -v tmux >/dev/null; then
		tmux new-window -n "${PN} devshell" "$*; tmux wait-for -S bake-devshell-$$"
		tmux wait-for bake-devshell-$$
	elif [ -n "${STY}" ] && command -v screen >/dev/null; then
		screen -X screen -t "${PN} devshell" "$@"
	else
		"$@"
	fi
}
do_devshell[interactive] = "1"
do_devshell[nostamp] = "1"
do_devshell[dirs] = "${S}"
do_devshell[vardepsexclude] += "TMUX STY"
do_devshell[doc] = "Starts a shell in the task environment, in the source directory"
addtask devshell after do_patch do_prepare_recipe_sysroot
