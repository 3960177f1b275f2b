# bb.event: the events BitBake fires while it parses, and handler registration.
import bb


class Event(object):
    def __init__(self):
        self.pid = 0
        self.data = None


class ConfigParsed(Event):
    pass


class MetadataEvent(Event):
    def __init__(self, eventtype, eventdata):
        Event.__init__(self)
        self.type = eventtype
        self._localdata = eventdata


class RecipeEvent(Event):
    def __init__(self, fn):
        self.fn = fn
        Event.__init__(self)


class RecipePreDeferredInherits(RecipeEvent):
    def __init__(self, fn, inherits):
        super().__init__(fn)
        self.inherits = inherits


class RecipePreFinalise(RecipeEvent):
    pass


class RecipePostKeyExpansion(RecipeEvent):
    pass


class RecipeTaskPreProcess(RecipeEvent):
    def __init__(self, fn, tasklist):
        super().__init__(fn)
        self.tasklist = tasklist


class RecipeParsed(RecipeEvent):
    pass


# Events of a build: defined so that handlers' masks and isinstance checks read; bake never
# fires them into Python.
for _name in ("BuildStarted", "BuildCompleted", "ParseStarted", "ParseCompleted", "ProcessStarted",
              "ProcessProgress", "ProcessFinished", "HeartbeatEvent", "SanityCheck", "SanityCheckPassed",
              "SanityCheckFailed", "NetworkTest", "NetworkTestPassed", "NetworkTestFailed", "DiskFull",
              "MultiConfigParsed", "BuildBase", "CacheLoadStarted", "CacheLoadCompleted", "TreeDataPreparationStarted",
              "TreeDataPreparationCompleted", "DepTreeGenerated", "ReachableStamps", "MonitorDiskEvent", "LogHandled",
              "NoProvider", "MultipleProviders", "FilesMatchingFound", "CoreBaseFilesFound", "BuildInit",
              "StaleSetSceneTasks", "UnknownEvent", "OperationStarted", "OperationCompleted", "OperationProgress",
              "ConfigFilePathFound", "ConfigFilesFound", "TargetsTreeGenerated", "RecipeTaskPreProcess_"):
    globals()[_name] = type(_name, (Event,), {"__init__": lambda self, *a, **k: Event.__init__(self)})


def getName(e):
    return e.__class__.__name__


def fire(event, d):
    from bake_bridge import fire_event
    fire_event(event, d)


def check_for_interrupts(d=None):
    pass


def register(name, handler, mask=None, filename=None, lineno=None, data=None):
    from bake_bridge import register_handler
    register_handler(name, handler, mask or [], filename, lineno)
    return True


def remove(name, handler, data=None):
    from bake_bridge import remove_handler
    remove_handler(name)


def get_handlers():
    from bake_bridge import handlers
    return handlers
