"""What went wrong with a file the command line was given, in the user's language.

The operating system's own text (`strerror`) is English whatever the language; the common
causes are said here in words, the rest keep the system's text.
"""

from __future__ import annotations

import errno

from handlers.i18n import _


def reason(error: OSError) -> str:
    """Why `error` happened, in the current language."""
    known = {
        errno.ENOENT: _("the folder or file does not exist"),
        errno.EACCES: _("you lack permission"),
        errno.EPERM: _("you lack permission"),
        errno.EISDIR: _("it is a folder, not a file"),
        errno.ENOTDIR: _("part of the path is not a folder"),
        errno.ENOSPC: _("the disk is full"),
        errno.EROFS: _("the disk is read-only"),
        errno.EEXIST: _("it exists already"),
    }
    return known.get(error.errno or 0) or error.strerror or type(error).__name__


def cannot_write(path: object, error: OSError) -> str:
    """`cannot write PATH: why`."""
    return _("cannot write {path}: {error}").format(path=path, error=reason(error))


def cannot_read(path: object, error: OSError) -> str:
    """`cannot read PATH: why`."""
    return _("cannot read {path}: {error}").format(path=path, error=reason(error))
