"""The side-by-side site's WSGI script (ApacheSideBySideIT): the environ values a routing decision sets, one
per line, in the same order under Apache httpd + mod_wsgi and under jwsgi."""

KEYS = ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "REQUEST_URI", "SCRIPT_FILENAME",
        "SERVER_NAME", "SERVER_PORT", "HTTP_HOST", "HTTP_AUTHORIZATION", "CONTENT_TYPE", "CONTENT_LENGTH",
        "SITE_ROLE", "SITE_TIER", "wsgi.url_scheme", "mod_wsgi.process_group", "mod_wsgi.application_group")


def application(environ, start_response):
    lines = ["%s=%r" % (k, environ.get(k)) for k in KEYS]
    lines.append("body=%r" % environ["wsgi.input"].read())
    out = ("\n".join(lines) + "\n").encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(out)))])
    return [out]
