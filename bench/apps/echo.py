"""echo-1m case: POST a body; the app reads all of wsgi.input and sends it back unchanged.

A GET (or a POST without a body) gets an empty 200, which is what the harness polls for readiness.
"""


def application(environ, start_response):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ["wsgi.input"]
    parts = []
    remaining = length
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 20))
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    body = b"".join(parts)
    if remaining > 0:
        msg = b"short body: got %d of %d bytes\n" % (len(body), length)
        start_response("400 Bad Request", [("Content-Type", "text/plain"), ("Content-Length", str(len(msg)))])
        return [msg]
    start_response("200 OK", [("Content-Type", environ.get("CONTENT_TYPE") or "application/octet-stream"),
                              ("Content-Length", str(len(body)))])
    return [body]
