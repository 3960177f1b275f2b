#!/usr/bin/env python3
# What BitBake itself makes of recipe files, for scripts/oe-conformance: run from a build
# directory with BitBake's lib/ on sys.path (argv[1]); every further argument is a recipe file.
# Prints one JSON object per recipe: the compared variables, the task list, each task's [depends],
# or the reason it is skipped or the error it fails with. Uses BitBake's public tinfoil API.
# With BAKE_CONFORMANCE_APPENDS=1 in the environment each recipe gets its bbappends, as BitBake's
# collection of BBFILES finds them (tinfoil is prepared with the recipes, from BitBake's parse cache
# when the build directory has a warm one).
# With BAKE_CONFORMANCE_VARIANTS=1 each recipe's BBCLASSEXTEND variants follow it, one object each
# (with "id", BitBake's virtual:VARIANT:FILE name, and "variant"): the variants are those the
# finalised recipe's BBCLASSEXTEND names (multi_finalize's list), each parsed by that name.
import json
import os
import sys

sys.path.insert(0, os.path.join(sys.argv[1], "lib"))
import bb.tinfoil  # noqa: E402

# The compared values (scripts/oe-conformance.ts gives them, --var ones included): a variable, or a
# flag as VAR[flag]; one that fails to expand reads "!error".
VARIABLES = [v for v in os.environ.get("BAKE_CONFORMANCE_VARS", "").split("\n") if v] or [
    "PN", "PV", "PR", "SRC_URI", "DEPENDS", "RDEPENDS:${PN}", "PROVIDES", "PACKAGES", "FILES:${PN}", "LICENSE"]


def value_of(d, name):
    try:
        if name.endswith("]") and "[" in name:
            var, flag = name[:-1].split("[", 1)
            return d.getVarFlag(var, flag)
        return d.getVar(d.expand(name))
    except Exception:
        return "!error"


def dump(d):
    out = {"vars": {}, "tasks": [], "depends": {}}
    for v in VARIABLES:
        out["vars"][v] = value_of(d, v)
    tasks = d.getVar("__BBTASKS", False) or []
    out["tasks"] = list(tasks)
    for t in tasks:
        out["depends"][t] = d.getVarFlag(t, "depends")
    return out


appends = os.environ.get("BAKE_CONFORMANCE_APPENDS") == "1"
variants = os.environ.get("BAKE_CONFORMANCE_VARIANTS") == "1"


def parse(tinfoil, fn, vfn, variant):
    """One record for vfn (fn itself, or virtual:VARIANT:fn); with the datastore when parsed."""
    record = {"file": fn, "id": vfn, "variant": variant}
    d = None
    try:
        d = tinfoil.parse_recipe_file(vfn, appends=appends)
        if d.getVar("__SKIPPED"):
            record["skipped"] = d.getVar("__SKIPPED")
        else:
            record.update(dump(d))
    except Exception as e:  # SkipRecipe arrives as a failed command naming it
        text = str(e)
        record["skipped" if "SkipRecipe" in text or "skipped" in text.lower() else "error"] = text[-600:]
    print(json.dumps(record), flush=True)
    return d


with bb.tinfoil.Tinfoil(output=sys.stderr) as tinfoil:
    tinfoil.prepare(config_only=not appends)
    for fn in sys.argv[2:]:
        d = parse(tinfoil, fn, fn, "")
        if variants and d is not None:
            for ext in (d.getVar("BBCLASSEXTEND") or "").split():
                parse(tinfoil, fn, "virtual:%s:%s" % (ext, fn), ext)
