"""jwsgi's Django integration: ``python manage.py runmodwsgi`` runs the project on jwsgi.

Add ``'jwsgi_django'`` to ``INSTALLED_APPS`` (projects that list mod_wsgi's ``'mod_wsgi.server'`` or
``'mod_wsgi.express'`` need no change: ``jwsgi install-package`` puts a ``mod_wsgi`` package with those two
apps next to this one) and run::

    python manage.py runmodwsgi [start-server options]

The command turns the project's settings into ``jwsgi start-server`` options (``jwsgi_django.command``) and
replaces itself with jwsgi, found as ``jwsgi_django.launcher`` says. Nothing here is imported by jwsgi's
workers: they run the project's ``WSGI_APPLICATION`` like any other module.
"""
