// What `bake --help` and `bake --version` print. Imports nothing: bin/bake.js answers those two
// alone from here, before the command line's modules are loaded (issue 14: under 150 ms).

export const MAIN_HELP = `usage: bake [options] TARGET...
       bake SUBCOMMAND [options]

Build TARGETs (recipes) with the configuration of the build directory (the nearest directory
holding conf/bblayers.conf, from the current directory upwards).

options:
  -s, --show-versions  show the latest and the preferred version of every recipe
  -e, --environment    print the finalised environment of TARGET (or the configuration), with history
  -g, --graphviz       write task-depends.dot and pn-buildlist (BitBake's formats) and
                       task-depends.json, and stop
  -u, --ui UI          knotty (default) or taskexp (a text-mode task dependency explorer)
      --version        print bake's version
  -c, --cmd TASK       run TASK of each target (default BB_DEFAULT_TASK); -c listtasks lists them
  -f, --force          run the target tasks even if their stamps are current
  -C, --clear-stamp T  invalidate task T (or T1,T2) of the targets, then run the default task
      --runall T       also run task T of every recipe in the targets' graph
      --runonly T      run only task T (and what it needs) of every recipe in the graph
      --no-setscene    restore nothing from shared state; earlier restores do not count: build it all
      --skip-setscene  restore nothing from shared state; what earlier builds restored stays done
      --setscene-only  restore from shared state and run nothing else
  -n, --dry-run        go through the motions without running anything
  -p, --parse-only     parse every recipe and stop
  -k, --continue       go on with what does not depend on a failure
  -S, --dump-signatures none|printdiff
                       write the signature data of every task (beside its stamp) and stop;
                       printdiff also says where and why the signatures differ from the most
                       recent ones recorded
  -b, --buildfile FILE use this recipe file instead of looking TARGET up
  -D, --debug          also print the recipe and task of every noexec and current task
  -v, --verbose        trace shell tasks into their logs (set -x; BB_VERBOSE_LOGS = "1")
  -q, --quiet          plain output: warnings, errors and the summary only
  -w, --write-log FILE write every build event to FILE, one JSON object a line ('' names it
                       bake_eventlog_<time>.json; default $BBEVENTLOG)
  -r, --read FILE      read FILE before conf/bblayers.conf (also $BBPRECONF)
  -R, --postread FILE  read FILE after conf/bake.conf (also $BBPOSTCONF)
  -I, --ignore-deps N  take N as provided (ASSUME_PROVIDED += N)
  -h, --help           this help

Variables named in BB_ENV_PASSTHROUGH_ADDITIONS (and MACHINE, DISTRO, DL_DIR, SSTATE_DIR,
SSTATE_MIRRORS, BB_NO_NETWORK, BB_NUMBER_THREADS, TMPDIR, … by default) are taken from the
environment: \`MACHINE=qemuarm64 bake -e\`.

subcommands:
  getvar [-r RECIPE] VAR [--value [-f F] [-u]]  one variable, with its history (bitbake-getvar)
  layers show|show-recipes|show-appends|show-overlayed|show-cross-depends|create-layer|
         add-layer|remove-layer|fetch|lock|status
  hashserv --bind ADDR --db DIR [--read-only]  a hash-equivalence server
  sstate keygen|verify|attest|prune|push|serve  signing keys, the shared-state cache, publishing it
  diffsigs A B | -t RECIPE TASK               why two signatures of a task differ
  report [BUILD] [-o FILE]                    a build's timeline, CPU use and shared state, as HTML
  help                                        this help
`;

/** The `--version` line, as BitBake words it. */
export function versionText(version: string): string {
  return `bake Build Tool version ${version}\n`;
}
