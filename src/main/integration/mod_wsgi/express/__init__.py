"""mod_wsgi-express 6.x spelling of jwsgi_django (INSTALLED_APPS = [..., 'mod_wsgi.express'])."""
