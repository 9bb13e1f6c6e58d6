"""jwsgi's Python worker runtime: the CPython side of docs/protocol.md.

Modules: ``channel`` (frame codec and socket I/O), ``adapter`` (WSGI request handling), ``application``
(loading the application mod_wsgi's way), ``mod_wsgi`` (the module applications import), ``welcome`` (the
default page), ``control`` (the control channel: heartbeats, stop, dump, interrupt), ``process`` (name,
rlimits, identity, umask before the application loads), ``reloading`` (recycle when code changes),
``worker`` (the process entry point). Standard library only; CPython 3.9 and later.
"""
