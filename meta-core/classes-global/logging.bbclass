# Messages from shell tasks, in the words OE metadata uses: they land in the task's log, and
# bbfatal/die end the task with an error.

bbplain() {
	echo "$*"
}

bbnote() {
	echo "NOTE: $*"
}

bbwarn() {
	echo "WARNING: $*"
}

bberror() {
	echo "ERROR: $*"
}

bbfatal() {
	echo "ERROR: $*"
	exit 1
}

die() {
	bbfatal "$*"
}

bbdebug() {
	echo "DEBUG: $*"
}
