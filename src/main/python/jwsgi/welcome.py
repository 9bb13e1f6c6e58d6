"""jwsgi's built-in welcome page: what a worker serves when no application was given (like the default
page of mod_wsgi-express). It shows the jwsgi version, the Python version and the worker's pid."""

import html
import os
import sys

_PAGE = '''<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>jwsgi is running</title></head>
<body>
<h1>jwsgi is running</h1>
<p>This is the default page of a jwsgi server with no WSGI application configured.</p>
<table>
<tr><th align="left">Server</th><td>%(server)s</td></tr>
<tr><th align="left">Python</th><td>%(python)s</td></tr>
<tr><th align="left">Worker pid</th><td>%(pid)d</td></tr>
</table>
</body>
</html>
'''


def application(environ, start_response):
    body = (_PAGE % {
        'server': html.escape(environ.get('SERVER_SOFTWARE', 'jwsgi')),
        'python': html.escape(sys.version.split()[0]),
        'pid': os.getpid(),
    }).encode('utf-8')
    start_response('200 OK', [('Content-Type', 'text/html; charset=utf-8'),
                              ('Content-Length', str(len(body)))])
    return [body]
