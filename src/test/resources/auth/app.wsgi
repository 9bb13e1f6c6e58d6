"""The application behind the auth hooks: says who the front end authenticated."""
import json


def application(environ, start_response):
    body = json.dumps({k: environ.get(k) for k in (
        'REMOTE_USER', 'AUTH_TYPE', 'HTTP_AUTHORIZATION', 'PATH_INFO', 'SITE_TIER')}).encode()
    start_response('200 OK', [('Content-Type', 'application/json'), ('Content-Length', str(len(body)))])
    return [body]
