"""A module-type entry point, imported by name (--application-type module mysite.wsgi)."""
import os
import sys

import helper_on_python_path


def app(environ, start_response):
    body = '%s|%s|%s|%s|%s' % (__name__, os.getcwd(), helper_on_python_path.VALUE, sys.version_info[:2],
                               sys.prefix)
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [body.encode()]
