# bb.process: commands metadata runs. Parse-time Python in bake runs in a WASM CPython that
# cannot start programs, so these raise a clear error naming the command.
import bb


class CmdError(RuntimeError):
    def __init__(self, command, msg=None):
        self.command = command
        self.msg = msg

    def __str__(self):
        cmd = self.command if isinstance(self.command, str) else " ".join(self.command)
        return "Execution of '%s' failed%s" % (cmd, (": " + self.msg) if self.msg else "")


class NotFoundError(CmdError):
    pass


class ExecutionError(CmdError):
    def __init__(self, command, exitcode, stdout=None, stderr=None):
        super().__init__(command)
        self.exitcode = exitcode
        self.stdout = stdout
        self.stderr = stderr


def run(cmd, input=None, log=None, extrafiles=None, **options):
    raise NotFoundError(cmd, "bake's parse-time Python cannot run programs")
