# bb.process: commands metadata runs at parse time. The WASM CPython cannot start programs, so
# bake's host (Node, spawnSync) runs them, with the host's PATH and the given cwd.
import bb


class CmdError(RuntimeError):
    def __init__(self, command, msg=None):
        self.command = command
        self.msg = msg

    def __str__(self):
        cmd = self.command if isinstance(self.command, str) else " ".join(self.command)
        return "Execution of '%s' failed%s" % (cmd, (": " + self.msg) if self.msg else "")


class NotFoundError(CmdError):
    def __str__(self):
        return CmdError.__str__(self) + ": command not found"


class ExecutionError(CmdError):
    def __init__(self, command, exitcode, stdout=None, stderr=None):
        super().__init__(command)
        self.exitcode = exitcode
        self.stdout = stdout
        self.stderr = stderr

    def __str__(self):
        message = ""
        if self.stderr:
            message += self.stderr
        if self.stdout:
            message += self.stdout
        if message:
            message = ":\n" + message
        return CmdError.__str__(self) + " with exit code %s" % self.exitcode + message


def spawn(cmd, input=None, cwd=None, env=None, shell=None):
    """[exit code or None if not found, stdout, stderr] of a command run by the host."""
    from bake_bridge import host_run
    return host_run(cmd, input, cwd, env, shell)


def run(cmd, input=None, log=None, extrafiles=None, **options):
    shell = options.get("shell", isinstance(cmd, str))
    code, stdout, stderr = spawn(cmd, input, options.get("cwd"), options.get("env"), shell)
    if code is None:
        raise NotFoundError(cmd)
    if options.get("stderr") is not None and options.get("stderr") != -1:
        # stderr=subprocess.STDOUT: one stream.
        stdout, stderr = stdout + stderr, None
    if code != 0:
        raise ExecutionError(cmd, code, stdout, stderr)
    return stdout, stderr
