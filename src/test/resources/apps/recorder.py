"""Records every invocation, for RequestParsingIT: one line ``METHOD PATH`` per call in RECORD_DIR/calls
(from --setenv), written before the body is read, so a request that reached the app at all is visible."""
import os


def application(environ, start_response):
    line = '%s %s\n' % (environ.get('REQUEST_METHOD'), environ.get('PATH_INFO'))
    directory = environ.get('RECORD_DIR')
    if directory:
        fd = os.open(os.path.join(directory, 'calls'), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode('utf-8', 'surrogateescape'))
        finally:
            os.close(fd)
    try:
        environ['wsgi.input'].read()
    except Exception:
        pass
    body = b'ok\n'
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
