# Distributed compilation on an icecream (icecc) cluster: `INHERIT += "icecc"` in local.conf.
#
# The do_compile of every target recipe that compiles with the cross compiler runs its compiler
# through icecc, which preprocesses each file here and compiles it on whichever node of the cluster
# the icecc scheduler picks. Every node compiles with the same compiler: an icecream environment
# (a tarball of bake's cross gcc, cc1 and assembler with the host libraries they need), made by
# `icecc-create-env` in the task do_icecc_env of ${ICECC_ENV_PN} and kept in shared state like any
# other output, so a team that shares sstate ships one environment to its nodes, not one per
# workstation. Native and cross recipes (the toolchain itself) compile locally, as does anything
# configure and do_install run.
#
# Nothing about a task's signature changes: the same tasks give the same taskhashes with and
# without this class (the environment is behind SIGGEN_EXCLUDE_SAFE_RECIPE_DEPS, the compiler is
# swapped through PATH and a prefunc, none of which a signature covers), so a build with a cluster
# shares its sstate objects with builds without one, and must produce the same bytes.
#
# Knobs (OE's names):
#   ICECC_PARALLEL_MAKE    PARALLEL_MAKE for the compiles that go to the cluster ("-j 32")
#   ICECC_RECIPE_DISABLE   recipes (PN or BPN) that compile locally
#   ICECC_RECIPE_ENABLE    recipes that use icecc even with an empty PARALLEL_MAKE
#   ICECC_CLASS_DISABLE    recipes inheriting one of these classes compile locally
#   ICECC_DISABLED = "1"   everything local, without removing the INHERIT
#   ICECC_PATH             the icecc client (default: `icecc` in HOSTTOOLS_PATH)
#   ICECC_ENV_EXEC         the environment maker (default: Debian's icecc-create-env)
#   ICECC_TEST_SOCKET      the local iceccd's socket, when it is not the system daemon's
#   ICECC_REMOTE_CPP       "1": preprocess on the nodes too (icecc's -fdirectives-only mode)
#   ICECC_CARET_WORKAROUND "1": recompile locally when a remote compile warns (exact carets)
#   ICECC_PREFERRED_HOST, ICECC_DEBUG, ICECC_LOGFILE: passed to icecc as they are

ICECC_DISABLED ??= ""
ICECC_PATH ??= "icecc"
ICECC_ENV_EXEC ??= "icecc-create-env"
ICECC_PARALLEL_MAKE ??= ""
ICECC_RECIPE_DISABLE ??= ""
ICECC_RECIPE_ENABLE ??= ""
# Images compile nothing; their tests would only inherit a cluster-sized PARALLEL_MAKE (OE's reason).
ICECC_CLASS_DISABLE ??= "image"
ICECC_TEST_SOCKET ??= ""
ICECC_REMOTE_CPP ??= "0"
ICECC_CARET_WORKAROUND ??= "0"
ICECC_PREFERRED_HOST ??= ""
ICECC_DEBUG ??= ""
ICECC_LOGFILE ??= ""

# The recipe that makes the environment for this configuration's cross compiler, and where its
# do_icecc_env publishes it (one tarball per TARGET_SYS, named by icecc-create-env after the MD5
# of its files, so nodes caching environments by name never mix two compilers).
ICECC_ENV_PN = "icecc-env-${TARGET_ARCH}"
ICECC_ENV_DIR ??= "${DEPLOY_DIR}/icecc/${TARGET_SYS}"
# The wrappers named like the cross compiler that do_compile finds first in PATH.
ICECC_BINDIR = "${WORKDIR}/icecc-bin"

# The compiler environment changes how a compile is done, never what it produces.
SIGGEN_EXCLUDE_SAFE_RECIPE_DEPS += "*->${ICECC_ENV_PN}"
BB_BASEHASH_IGNORE_VARS += "ICECC_DISABLED ICECC_PATH ICECC_ENV_EXEC ICECC_PARALLEL_MAKE ICECC_RECIPE_DISABLE \
    ICECC_RECIPE_ENABLE ICECC_CLASS_DISABLE ICECC_TEST_SOCKET ICECC_REMOTE_CPP ICECC_CARET_WORKAROUND \
    ICECC_PREFERRED_HOST ICECC_DEBUG ICECC_LOGFILE ICECC_ENV_PN ICECC_ENV_DIR ICECC_BINDIR ICECC_VERSION \
    ICECC_LOCAL_REASON"

# Whether this recipe's compile goes to the cluster, decided when it is parsed. When it does,
# do_compile waits for the environment, may use the network (icecc talks to the nodes itself) and
# runs icecc_set_env first. ICECC_LOCAL_REASON says why a recipe compiles locally (`bake -e`).
js () {
    const words = (name) => (d.getVar(name) || '').split(/\s+/).filter(Boolean);
    const names = [d.getVar('PN'), d.getVar('BPN')];
    const local = (() => {
        if (d.getVar('ICECC_DISABLED') === '1') return 'ICECC_DISABLED = "1"';
        const klass = d.getVar('CLASSOVERRIDE');
        if (klass !== 'class-target') return `a ${klass.replace('class-', '')} recipe: built by the host compiler`;
        if (d.getVar('PACKAGE_ARCH') === 'all') return 'PACKAGE_ARCH = "all": compiles nothing';
        if (!words('DEPENDS').includes(`virtual/${d.getVar('TARGET_PREFIX')}gcc`)) return 'does not compile with the cross compiler';
        const klassOff = words('ICECC_CLASS_DISABLE').find((c) => bb.data.inherits_class(c, d));
        if (klassOff) return `inherits ${klassOff} (ICECC_CLASS_DISABLE)`;
        if (words('ICECC_RECIPE_DISABLE').some((n) => names.includes(n))) return 'in ICECC_RECIPE_DISABLE';
        if (words('ICECC_RECIPE_ENABLE').some((n) => names.includes(n))) return null;
        if (d.getVar('PARALLEL_MAKE') === '') return 'PARALLEL_MAKE is empty (ICECC_RECIPE_ENABLE overrides)';
        return null;
    })();
    if (local !== null) {
        d.setVar('ICECC_LOCAL_REASON', local);
        return;
    }
    d.appendVarFlag('do_compile', 'prefuncs', ' icecc_set_env');
    d.appendVarFlag('do_compile', 'depends', ` ${d.getVar('ICECC_ENV_PN')}:do_icecc_env`);
    d.setVarFlag('do_compile', 'network', '1');
    // A path is the user's own icecc; a name is looked up with the other host tools before the build.
    if (!d.getVar('ICECC_PATH').includes('/')) d.appendVar('HOSTTOOLS', ' ' + d.getVar('ICECC_PATH'));
}
# The prefunc decides only how compiles run: it is not part of do_compile's signature.
do_compile[vardepsexclude] += "icecc_set_env icecc_write_wrappers"

# In do_compile, before the task itself: wrappers named like the cross compiler (gcc, and g++ when
# the toolchain has one) that run it through icecc with this toolchain's environment, first in
# PATH; and the cluster's parallelism. PATH and PARALLEL_MAKE are outside every signature.
js icecc_set_env() {
    const dir = d.getVar('ICECC_ENV_DIR');
    const envs = oe.path.exists(dir) ? oe.path.listdir(dir).filter((f) => f.endsWith('.tar.gz')) : [];
    if (envs.length !== 1) {
        bb.fatal(`icecc: expected one environment tarball in ${dir} (made by ${d.getVar('ICECC_ENV_PN')}:do_icecc_env), found ${envs.length ? envs.join(', ') : 'none'}`);
    }
    d.setVar('ICECC_VERSION', oe.path.join(dir, envs[0]));
    await bb.build.exec_func('icecc_write_wrappers');
    d.prependVar('PATH', d.getVar('ICECC_BINDIR') + ':');
    const parallel = d.getVar('ICECC_PARALLEL_MAKE');
    if (parallel && d.getVar('PARALLEL_MAKE')) d.setVar('PARALLEL_MAKE', parallel);
    bb.note(`icecc: compiling through ${d.getVar('ICECC_BINDIR')} with environment ${d.getVar('ICECC_VERSION')}`);
}

# icecc's own settings go into the wrappers, not the task's environment: exported variables are
# part of every shell task's signature.
icecc_write_wrappers() {
	icecc=$(command -v "${ICECC_PATH}") || bbfatal "icecc: ${ICECC_PATH} not found in ${PATH}"
	rm -rf "${ICECC_BINDIR}"
	mkdir -p "${ICECC_BINDIR}"
	cc=$(command -v "${HOST_PREFIX}gcc") || bbfatal "icecc: ${HOST_PREFIX}gcc not found in ${PATH}"
	cxx=$(command -v "${HOST_PREFIX}g++" || echo "$cc")
	for tool in gcc g++; do
		real=$(command -v "${HOST_PREFIX}$tool") || continue
		cat > "${ICECC_BINDIR}/${HOST_PREFIX}$tool" <<EOF
#!/bin/sh
export ICECC_VERSION='${ICECC_VERSION}' ICECC_CC='$cc' ICECC_CXX='$cxx'
export ICECC_REMOTE_CPP='${ICECC_REMOTE_CPP}' ICECC_CARET_WORKAROUND='${ICECC_CARET_WORKAROUND}'
for setting in ICECC_TEST_SOCKET='${ICECC_TEST_SOCKET}' ICECC_PREFERRED_HOST='${ICECC_PREFERRED_HOST}' \\
		ICECC_DEBUG='${ICECC_DEBUG}' ICECC_LOGFILE='${ICECC_LOGFILE}'; do
	[ -z "\${setting#*=}" ] || export "\$setting"
done
exec '$icecc' '$real' "\$@"
EOF
		chmod 0755 "${ICECC_BINDIR}/${HOST_PREFIX}$tool"
	done
}
