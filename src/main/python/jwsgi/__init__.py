"""jwsgi's Python worker runtime: the CPython side of docs/protocol.md.

Modules: ``channel`` (frame codec and socket I/O), ``adapter`` (WSGI request handling), ``application``
(loading the application mod_wsgi's way), ``mod_wsgi`` (the module applications import), ``welcome`` (the
default page), ``worker`` (the process entry point). Standard library only; CPython 3.9 and later.
"""
