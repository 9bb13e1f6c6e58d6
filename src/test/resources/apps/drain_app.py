"""For DrainIT: requests that run until the test lets them finish, so that no test waits on a clock.

GET /hello answers at once. GET /block?NAME creates <DRAIN_DIR>/started-NAME, then runs until the test creates
<DRAIN_DIR>/release-NAME. GET /stream?NAME sends its first chunk, then does the same before its second.
"""
import os
import time


def _run_until_released(environ, name):
    directory = environ["DRAIN_DIR"]
    open(os.path.join(directory, "started-" + name), "w").close()
    release = os.path.join(directory, "release-" + name)
    while not os.path.exists(release):
        time.sleep(0.02)


def application(environ, start_response):
    path = environ["PATH_INFO"]
    name = environ.get("QUERY_STRING", "")
    if path == "/block":
        _run_until_released(environ, name)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"finished " + name.encode()]
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])

        def body():
            yield b"first part\n"
            _run_until_released(environ, name)
            yield b"second part\n"
        return body()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]
