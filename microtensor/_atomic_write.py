"""Atomic file writes for ``mt.save``: a temporary file in the target's folder, ``fsync``, ``os.replace``.

A crash mid-save leaves the previous file intact (the temporary file is removed when
Python is still in control). A temporary file left by a save killed with ``kill -9``
(named ``.<name>.<pid>.<random>.tmp``, its process gone) is removed by the next save to
the same path. The file gets the permissions ``open()`` would give (0666 minus the umask).
"""
import os
import re


def write_atomically(path, write):
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it over ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    _remove_stale_temporaries(folder, base)
    descriptor, temporary = _create_temporary(folder, base)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _fsync_folder(folder)


def _temporary_pattern(base):
    """Our temporary files for ``base``: ``.<base>.<pid>.<16 hex digits>.tmp``."""
    return re.compile(r"\." + re.escape(base) + r"\.(\d+)\.[0-9a-f]{16}\.tmp\Z")


def _create_temporary(folder, base):
    """A new temporary file beside the target, with the permissions ``open()`` would give (0666 & ~umask)."""
    umask = _current_umask()
    while True:
        temporary = os.path.join(folder, f".{base}.{os.getpid()}.{os.urandom(8).hex()}.tmp")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        if hasattr(os, "fchmod"):
            os.fchmod(descriptor, 0o666 & ~umask)
        return descriptor, temporary


def _current_umask():
    """The process umask, read without changing it where the OS allows (os.umask can only set it, and
    setting it briefly to 0 would race with other threads creating files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o077)
    os.umask(umask)
    return umask


def _process_is_alive(pid):
    if pid == os.getpid():
        return True  # another thread of ours may be saving
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _remove_stale_temporaries(folder, base):
    """Delete temporary files left for this target by a save that was killed (its process is gone)."""
    pattern = _temporary_pattern(base)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for entry in names:
        match = pattern.match(entry)
        if match and not _process_is_alive(int(match.group(1))):
            try:
                os.unlink(os.path.join(folder, entry))
            except OSError:
                pass


def _fsync_folder(folder):
    """Make the rename itself durable (best effort: not every platform can open a folder)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
