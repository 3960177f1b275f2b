# bb.build: running one metadata function from another at parse time.
import bb


class FuncFailed(Exception):
    pass


class TaskBase(bb.event.Event):
    def __init__(self, t, fn, logfile, d):
        super().__init__()
        self.task = t
        self.data = d


class TaskStarted(TaskBase):
    pass


class TaskSucceeded(TaskBase):
    pass


class TaskFailed(TaskBase):
    pass


class TaskFailedSilent(TaskBase):
    pass


def exec_func(func, d, dirs=None):
    from bake_bridge import exec_python_function
    if not d.getVarFlag(func, "python", False):
        raise FuncFailed("%s is a shell function: bake does not run shell functions from Python at parse time" % func)
    exec_python_function(func, d)


def addtask(task, before, after, d):
    from bake_bridge import add_task
    add_task(task, before, after, d)


def deltask(task, d):
    from bake_bridge import del_task
    del_task(task, d)


def tasksbetween(task_start, task_end, d):
    return []
