# bb.runqueue: task id helpers ("mc:recipe:task").


def split_mc(n):
    if n.startswith("mc:") and n.count(":") >= 2:
        _, mc, n = n.split(":", 2)
        return (mc, n)
    return ("", n)


def split_tid_mcfn(tid):
    if tid.startswith("mc:") and tid.count(":") >= 2:
        elems = tid.split(":")
        mc, fn, taskname = elems[1], ":".join(elems[2:-1]), elems[-1]
        mcfn = "mc:" + mc + ":" + fn
    else:
        tid = tid.rsplit(":", 1)
        mc, fn, taskname, mcfn = "", tid[0], tid[1], tid[0]
    return (mc, fn, taskname, mcfn)


def fn_from_tid(tid):
    return tid.rsplit(":", 1)[0]


def taskname_from_tid(tid):
    return tid.rsplit(":", 1)[1]


def mc_from_tid(tid):
    if tid.startswith("mc:") and tid.count(":") >= 2:
        return tid.split(":")[1]
    return ""
