"""A sample WSGI application: ./jwsgi start-server examples/hello.py, then open http://localhost:8000/."""


def application(environ, start_response):
    name = environ.get('QUERY_STRING', '').partition('name=')[2] or 'world'
    body = ('Hello, %s! (served by process %s)\n' % (name, __import__('os').getpid())).encode('utf-8')
    start_response('200 OK', [('Content-Type', 'text/plain; charset=utf-8'),
                              ('Content-Length', str(len(body)))])
    return [body]
