# bb.data: module-level datastore helpers.
import bb


def init():
    from bake_bridge import new_datastore
    return new_datastore()


def createCopy(d):
    return d.createCopy()


def inherits_class(klass, d):
    return d.inherits_class(klass)


def expand(s, d, varname=None):
    return d.expand(s, varname)


def expandKeys(alterdata, readdata=None):
    alterdata.expandKeys()


def getVar(var, d, exp=False):
    return d.getVar(var, exp)


def setVar(var, value, d):
    d.setVar(var, value)


def update_data(d):
    pass
