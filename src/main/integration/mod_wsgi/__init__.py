"""jwsgi's stand-in for the ``mod_wsgi`` package from PyPI: only its Django apps, ``mod_wsgi.express`` (6.x)
and ``mod_wsgi.server`` (4.x), each with a ``runmodwsgi`` command that is ``jwsgi_django``'s, so a project
whose ``INSTALLED_APPS`` names one of them runs on jwsgi unchanged.

In jwsgi's worker processes the name ``mod_wsgi`` is the runtime's module (``mod_wsgi.version``,
``subscribe_events`` ...); the worker gives that module this package's ``__path__``, so ``mod_wsgi.server``
still imports there (this file is not executed in a worker). Written by ``jwsgi install-package``; it
refuses to overwrite a ``mod_wsgi`` package that is not this one.
"""

JWSGI_INTEGRATION = True
