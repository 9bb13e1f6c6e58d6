"""Integration-test app for --server-name: says which names the request arrived with."""


def application(environ, start_response):
    body = ('SERVER_NAME=%s HTTP_HOST=%s PATH_INFO=%s QUERY_STRING=%s' % (
        environ.get('SERVER_NAME'), environ.get('HTTP_HOST'), environ.get('PATH_INFO'),
        environ.get('QUERY_STRING'))).encode()
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
