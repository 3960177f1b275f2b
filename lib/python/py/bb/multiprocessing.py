# bb.multiprocessing: imported by oe.utils; parse-time Python runs no processes.


def cpu_count():
    import os
    return os.cpu_count() or 1


class Pool(object):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("parse-time Python in bake runs no processes")
