# bb.siggen: the classes oe.sstatesig extends at import time; bake computes signatures itself.
import bb


class SignatureGenerator(object):
    name = "noop"

    def __init__(self, data):
        pass

    def finalise(self, fn, d, variant):
        pass


class SignatureGeneratorBasic(SignatureGenerator):
    name = "basic"


class SignatureGeneratorBasicHash(SignatureGeneratorBasic):
    name = "basichash"


class SignatureGeneratorUniHashMixIn(object):
    pass


def dump_this_task(outfile, d):
    pass
