# What metadata reads of bb.fetch2.FetchData and Fetch(...).localpaths(), for each case of
# cases.json (a URL list and the variables, VAR[flag] a flag, set in a fresh datastore), run in BitBake 2.19 and in bake.
# The directory of this file reads "<DATA>" in FILESPATH and in the answers.
import json


def _err(e):
    return "%s: %s" % (type(e).__name__, e)


ATTRS = ("type", "host", "path", "user", "pswd", "basename", "basepath", "localfile", "localpath", "lockfile",
         "donestamp", "needdonestamp", "mirrortarballs", "name", "url", "revision", "date", "sha256_name",
         "sha256_expected", "md5_name", "md5_expected", "goh1_expected")


def _fetchdata(f, url, d):
    try:
        ud = f.FetchData(url, d)
    except Exception as e:
        return _err(e)
    out = {a: getattr(ud, a, "(unset)") for a in ATTRS}
    out["parm"] = [[k, v if isinstance(v, str) else repr(v)] for k, v in ud.parm.items()]
    out["method"] = type(ud.method).__name__
    return out


def _case(f, d, case, data):
    d = d.createCopy()
    for k, v in case.get("vars", {}).items():
        v = v.replace("<DATA>", data)
        if k.endswith("]") and "[" in k:
            d.setVarFlag(k[:k.index("[")], k[k.index("[") + 1:-1], v)
        else:
            d.setVar(k, v)
    urls = case["urls"]
    out = {"fetchdata": [_fetchdata(f, u, d) for u in urls]}
    try:
        out["localpaths"] = f.Fetch(urls, d, cache=False).localpaths()
    except Exception as e:
        out["localpaths"] = _err(e)
    return json.loads(json.dumps(out).replace(data, "<DATA>"))


def run(d, cases_json, data):
    import bb.fetch2 as f
    return json.dumps([_case(f, d, c, data) for c in json.loads(cases_json)])
