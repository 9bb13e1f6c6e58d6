"""A WSGIAuthUserScript whose user database is down."""


def check_password(environ, user, password):
    raise RuntimeError('user database unreachable')
