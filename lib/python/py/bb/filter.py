# bb.filter: the decorator marking functions usable as variable filters.


def filter_proc(name=None):
    def decorator(func):
        return func
    return decorator
