"""The debugging tools of jwsgi.debugging, called as the adapter calls a WSGI application."""

import glob
import io
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

from jwsgi import debugging


def application(environ, start_response):
    body = environ['wsgi.input'].read()
    write = start_response('201 Created', [('Content-Type', 'text/plain')])
    write(b'written ')
    return [b'echo:', body]


def failing(environ, start_response):
    secret = 'forty-two'
    raise ValueError('failed with ' + secret)


class FailingIteration(object):
    def __init__(self, environ, start_response):
        start_response('200 OK', [])

    def __iter__(self):
        yield b'first'
        raise KeyError('in iteration')


class FailingClose(object):
    def __init__(self, environ, start_response):
        start_response('200 OK', [])

    def __iter__(self):
        return iter([b'body'])

    def close(self):
        raise RuntimeError('in close')


def environ(body=b''):
    return {'REQUEST_METHOD': 'POST', 'PATH_INFO': '/recorded', 'wsgi.input': io.BytesIO(body),
            'CONTENT_LENGTH': str(len(body))}


def run(app, env):
    """Call, iterate and close as the adapter does; returns (status, headers, body) or raises."""
    seen = {}
    written = []

    def start_response(status, headers, exc_info=None):
        seen['status'] = status
        seen['headers'] = headers
        return written.append
    result = app(env, start_response)
    try:
        for chunk in result:
            written.append(chunk)
    finally:
        close = getattr(result, 'close', None)
        if close is not None:
            close()
    return seen['status'], seen['headers'], b''.join(written)


class DebuggingTest(unittest.TestCase):

    def setUp(self):
        self.directory = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.directory)

    def test_nothing_on_means_no_wrapper(self):
        self.assertIsNone(debugging.wrapper({'debug_mode': True}))

    def profile_in_fresh_interpreter(self, app_name, expect):
        """Profile one request of ``app_name`` in a child interpreter. Why not here: on CPython 3.11 an
        exception raised under cProfile spins forever in a process where an earlier test (test_control)
        scheduled and then cancelled an asynchronous exception; a worker never does both (interrupt-timeout
        is off in debug mode)."""
        code = textwrap.dedent('''
            import sys
            sys.path[:0] = [%r, %r]
            import test_debugging as t
            from jwsgi import debugging
            wrap = debugging.wrapper({'profiler_directory': %r})
            try:
                print(t.run(wrap(getattr(t, %r)), t.environ(b'x'))[2])
            except %s as e:
                print('raised', type(e).__name__)
        ''') % (os.path.dirname(os.path.abspath(__file__)), os.path.dirname(os.path.dirname(debugging.__file__)),
                self.directory, app_name, expect)
        return subprocess.run([sys.executable, '-c', code], check=True, capture_output=True, text=True,
                              timeout=120).stdout.strip()

    def test_the_profiler_writes_one_loadable_pstats_file_per_request_named_as_express_does(self):
        self.assertEqual(self.profile_in_fresh_interpreter('application', 'ValueError'), "b'written echo:x'")
        self.assertEqual(self.profile_in_fresh_interpreter('application', 'ValueError'), "b'written echo:x'")
        files = sorted(glob.glob(os.path.join(self.directory, '*.pstats')))
        self.assertEqual(len(files), 2)
        for path in files:
            self.assertRegex(os.path.basename(path), r'^\d{16}-\d+\.pstats$')
            stats = pstats.Stats(path)
            functions = [name for (_, _, name) in stats.stats]
            self.assertIn('application', functions)

    def test_the_profiler_writes_its_file_when_the_application_raises(self):
        self.assertEqual(self.profile_in_fresh_interpreter('failing', 'ValueError'), 'raised ValueError')
        files = glob.glob(os.path.join(self.directory, '*.pstats'))
        self.assertEqual(len(files), 1)
        self.assertIn('failing', [name for (_, _, name) in pstats.Stats(files[0]).stats])

    def recording(self, suffix):
        files = glob.glob(os.path.join(self.directory, '*.' + suffix))
        self.assertEqual(len(files), 1, files)
        with open(files[0], 'rb') as f:
            return files[0], f.read()

    def test_the_recorder_writes_expresss_seven_files_with_the_request_and_the_response(self):
        wrap = debugging.wrapper({'recorder_directory': self.directory})
        status, headers, body = run(wrap(application), environ(b'posted body'))
        self.assertEqual((status, body), ('201 Created', b'written echo:posted body'))
        path, iheaders = self.recording('iheaders')
        self.assertRegex(os.path.basename(path), r'^\d{16}-%d-1\.iheaders$' % os.getpid())
        self.assertIn(b"'PATH_INFO': '/recorded'", iheaders)
        self.assertEqual(self.recording('icontent')[1], b'posted body')
        self.assertEqual(self.recording('oheaders')[1],
                         b"('201 Created', [('Content-Type', 'text/plain')])\n")
        self.assertEqual(self.recording('ocontent')[1], b'written echo:posted body')
        for suffix in ('oaexcept', 'orexcept', 'ofexcept'):
            self.assertEqual(self.recording(suffix)[1], b'')

    def test_the_recorder_numbers_requests_and_records_each_kind_of_exception(self):
        wrap = debugging.wrapper({'recorder_directory': self.directory})
        with self.assertRaises(ValueError):
            run(wrap(failing), environ())
        with self.assertRaises(KeyError):
            run(wrap(FailingIteration), environ())
        with self.assertRaises(RuntimeError):
            run(wrap(FailingClose), environ())
        for count, suffix, text in ((1, 'oaexcept', b'ValueError: failed with forty-two'),
                                    (2, 'orexcept', b"KeyError: 'in iteration'"),
                                    (3, 'ofexcept', b'RuntimeError: in close')):
            [path] = glob.glob(os.path.join(self.directory, '*-%d.%s' % (count, suffix)))
            with open(path, 'rb') as f:
                self.assertIn(text, f.read())

    def debug(self, app, commands):
        """Run ``app`` under the post-mortem debugger with ``commands`` typed at pdb; returns its output."""
        wrap = debugging.wrapper({'enable_debugger': True})
        stdin, stdout = sys.stdin, sys.stdout
        sys.stdin, sys.stdout = io.StringIO(commands), io.StringIO()
        try:
            try:
                run(wrap(app), environ())
            finally:
                output = sys.stdout.getvalue()
                sys.stdin, sys.stdout = stdin, stdout
        except Exception as e:
            return output, e
        self.fail('the exception did not go on after the debugger')

    def test_the_debugger_enters_pdb_post_mortem_in_the_failing_frame_then_lets_the_exception_go_on(self):
        output, error = self.debug(failing, 'p secret\nc\n')
        self.assertIsInstance(error, ValueError)
        self.assertIn('(Pdb) ', output)
        self.assertIn("'forty-two'", output)

    def test_the_debugger_also_catches_exceptions_from_iteration_and_close(self):
        output, error = self.debug(FailingIteration, 'c\n')
        self.assertIsInstance(error, KeyError)
        self.assertIn('(Pdb) ', output)
        output, error = self.debug(FailingClose, 'c\n')
        self.assertIsInstance(error, RuntimeError)
        self.assertIn('(Pdb) ', output)

    def test_the_tools_stack_profiler_inside_debugger_inside_recorder(self):
        wrap = debugging.wrapper({'profiler_directory': self.directory, 'recorder_directory': self.directory,
                                  'enable_debugger': True})
        app = wrap(application)
        self.assertIsInstance(app, debugging.RequestRecorder)
        self.assertIsInstance(app.application, debugging.PostMortemDebugger)
        self.assertIsInstance(app.application.application, debugging.Profiler)
        # Run without the profiler (see profile_in_fresh_interpreter).
        wrap = debugging.wrapper({'recorder_directory': self.directory, 'enable_debugger': True})
        self.assertEqual(run(wrap(application), environ(b'z'))[2], b'written echo:z')
        self.assertEqual(len(os.listdir(self.directory)), 7)

    def test_start_sets_the_variables_express_sets(self):
        saved = dict(os.environ)
        try:
            debugging.start({'debug_mode': True, 'enable_debugger': True,
                             'recorder_directory': self.directory}, lambda text: None)
            self.assertEqual(os.environ.get('MOD_WSGI_DEBUG_MODE'), 'true')
            self.assertEqual(os.environ.get('MOD_WSGI_DEBUGGER_ENABLED'), 'true')
            self.assertEqual(os.environ.get('MOD_WSGI_RECORDER_ENABLED'), 'true')
            self.assertNotIn('MOD_WSGI_PROFILER_ENABLED', os.environ)
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def test_coverage_on_an_interpreter_without_it_names_the_interpreter_and_what_to_install(self):
        try:
            import coverage  # noqa: F401
            self.skipTest('coverage is importable here; DebuggingIT covers the message with a venv')
        except ImportError:
            pass
        with self.assertRaises(debugging.ToolFailed) as caught:
            debugging.start_coverage(self.directory, lambda text: None)
        message = str(caught.exception)
        self.assertIn('--enable-coverage', message)
        self.assertIn(sys.executable, message)
        self.assertIn('python3-coverage', message)


if __name__ == '__main__':
    unittest.main()
