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
    """Every task on a path from task_start to task_end (a task runs after those in its [deps]),
    task_start first, in the order a depth-first walk along the task list meets them."""
    tasks = d.getVar("__BBTASKS", False) or []
    after = {t: set(d.getVarFlag(t, "deps", False) or []) for t in tasks}
    reaches = {}

    def leads_to_end(task, seen):
        if task == task_end:
            return True
        if task in reaches:
            return reaches[task]
        if task in seen:
            raise bb.BBHandledException("circular task dependencies through %s" % task)
        seen.add(task)
        result = False
        for other in tasks:
            if other != task and task in after[other] and leads_to_end(other, seen):
                result = True
        seen.discard(task)
        reaches[task] = result
        return result

    out = []

    def walk(task):
        if task in out or not leads_to_end(task, set()):
            return
        out.append(task)
        if task == task_end:
            return
        for other in tasks:
            if other != task and task in after[other]:
                walk(other)

    walk(task_start)
    return out
