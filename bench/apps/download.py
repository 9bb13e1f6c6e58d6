"""download-100m case: GET / streams 100 MiB produced by a generator in 64 KiB chunks.

GET /?mib=N streams N MiB instead (handy for a quick manual check).
"""
from urllib.parse import parse_qs

CHUNK = 64 * 1024
BLOCK = bytes(range(256)) * (CHUNK // 256)
DEFAULT_MIB = 100


def _chunks(count):
    for _ in range(count):
        yield BLOCK


def application(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    try:
        mib = int(query.get("mib", [DEFAULT_MIB])[0])
    except ValueError:
        mib = DEFAULT_MIB
    count = mib * (1024 * 1024 // CHUNK)
    start_response("200 OK", [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(count * CHUNK))])
    return _chunks(count)
