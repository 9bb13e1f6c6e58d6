"""mod_wsgi 4.x spelling of jwsgi_django (INSTALLED_APPS = [..., 'mod_wsgi.server'])."""
