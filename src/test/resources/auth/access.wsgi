"""WSGIAccessScript for the integration tests: refuses requests asking for it, and says what it saw."""


def allow_access(environ, host):
    environ['wsgi.errors'].write('allow_access host=%s https=%s setenv=%s\n' % (
        host, environ['mod_ssl.is_https'](), environ.get('SITE_TIER')))
    if environ.get('QUERY_STRING') == 'deny':
        return False
    if environ.get('QUERY_STRING') == 'cert':
        return environ['mod_ssl.var_lookup']('SSL_CLIENT_S_DN') == 'CN=client one,O=jwsgi'
    return None
