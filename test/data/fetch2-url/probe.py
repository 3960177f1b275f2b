import json
def _err(e):
    return "%s: %s" % (type(e).__name__, e)
def _one(url):
    import bb.fetch2 as f
    out = {}
    try:
        t = f.decodeurl(url)
        out["decode"] = [t[0], t[1], t[2], t[3], t[4], [[k, v] for k, v in t[5].items()]]
        try:
            out["encode"] = f.encodeurl(t)
        except Exception as e:
            out["encode"] = _err(e)
    except Exception as e:
        out["decode"] = _err(e)
    try:
        u = f.URI(url)
        out["uri"] = [u.scheme, u.userinfo, u.hostname, u.port, u.path, [[k, v] for k, v in u.params.items()], [[k, v] for k, v in u.query.items()], u.relative, u.hostport, u.username, u.password]
        try:
            out["str"] = str(u)
        except Exception as e:
            out["str"] = _err(e)
    except Exception as e:
        out["uri"] = _err(e)
    return out
def run(urls_json):
    return json.dumps([_one(u) for u in json.loads(urls_json)])
