# The class every recipe inherits (from the configuration): the standard tasks.

addtask fetch
addtask unpack after do_fetch
addtask patch after do_unpack
addtask configure after do_patch
addtask compile after do_configure
addtask install after do_compile
addtask build after do_install

do_build[noexec] = "1"
