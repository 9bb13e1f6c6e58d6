"""Site mode end to end: one worker process serving several WSGI scripts (mod_wsgi: several
WSGIScriptAlias mounts delegated to one WSGIDaemonProcess), with preloads, WSGIImportScript, the one
application group per process rule and reloading of every loaded script."""

import json
import os
import signal
import textwrap

from front_end import WorkerProcessCase, base_environ

SCRIPT = '''
import json, os, sys
import mod_wsgi
print('loaded ' + os.path.basename(__file__), flush=True)

def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [json.dumps({
        'script': os.path.basename(__file__), 'name': __name__,
        'group': environ['mod_wsgi.application_group'], 'module_group': mod_wsgi.application_group,
        'callable': environ['mod_wsgi.callable_object'], 'imported': 'jwsgi_site_marker' in sys.modules,
    }).encode()]
'''

IMPORT_ONLY = '''
import sys, types
print('imported shared', flush=True)
sys.modules['jwsgi_site_marker'] = types.ModuleType('jwsgi_site_marker')
'''


class SiteWorkerTest(WorkerProcessCase):

    def write(self, name, text):
        path = os.path.join(self.directory, name)
        with open(path, 'w') as f:
            f.write(textwrap.dedent(text))
        return path

    def start_site(self, preload, **config):
        settings = {'application_type': 'site', 'entry_point': None, 'preload': preload}
        settings.update(config)
        self.start(SCRIPT, script='a.wsgi', config=settings)

    def site_request(self, front, script, group='site|/a', request_id='r1', callable_object=None):
        environ = base_environ(PATH_INFO='/')
        environ['mod_wsgi.request_id'] = request_id
        if script is not None:
            environ['SCRIPT_FILENAME'] = os.path.join(self.directory, script)
        environ['mod_wsgi.application_group'] = group
        if callable_object is not None:
            environ['mod_wsgi.callable_object'] = callable_object
        return self.request(front, environ)

    def stdout_line(self):
        return self.process.stdout.readline().decode().rstrip('\n')

    def test_two_scripts_preload_import_only_group_refusal_and_reloading(self):
        self.write('b.wsgi', SCRIPT)
        shared = self.write('shared.py', IMPORT_ONLY)
        a = os.path.join(self.directory, 'a.wsgi')
        self.start_site([
            {'script': shared, 'application_group': 'site|/a', 'import_only': True},
            {'script': a, 'callable_object': 'application', 'application_group': 'site|/a',
             'import_only': False}])
        front, _ = self.accept()
        # Both preloads ran before the request channel connected.
        self.assertEqual([self.stdout_line(), self.stdout_line()], ['imported shared', 'loaded a.wsgi'])
        first = self.site_request(front, 'a.wsgi')
        self.assertEqual(first.status, '200 OK', first.fail)
        facts = json.loads(first.body)
        self.assertEqual((facts['script'], facts['group'], facts['module_group'], facts['callable']),
                         ('a.wsgi', 'site|/a', 'site|/a', 'application'))
        self.assertTrue(facts['name'].startswith('_mod_wsgi_') and facts['imported'])
        second = self.site_request(front, 'b.wsgi')
        self.assertEqual(second.status, '200 OK', second.fail)
        self.assertEqual(self.stdout_line(), 'loaded b.wsgi')
        self.assertEqual(json.loads(second.body)['script'], 'b.wsgi')
        self.assertNotEqual(json.loads(second.body)['name'], facts['name'])
        self.assertEqual(self.site_request(front, 'a.wsgi').status, '200 OK')

        refused = self.site_request(front, 'b.wsgi', group='site|/other', request_id='r-other')
        self.assertEqual(refused.fail[0], 'A')
        missing = self.site_request(front, None, request_id='r-missing')
        self.assertEqual(missing.fail[0], 'A')

        # Touching the script a request loaded, then the import-only one: one recycle each.
        for path in (os.path.join(self.directory, 'b.wsgi'), shared):
            later = os.stat(path).st_mtime + 10
            os.utime(path, (later, later))
            self.assertEqual(self.control_line(), 'recycle script_reload')
        self.process.send_signal(signal.SIGTERM)
        code, out, err = self.finish()
        self.assertEqual(code, 0, err)
        self.assertNotIn('loaded', out)  # every script ran exactly once
        self.assertIn(
            "[r-other] jwsgi worker: application group 'site|/other' requested but this process of group "
            "'main' already runs application group 'site|/a'; one process runs one application group "
            "until sub-interpreters are supported: give the application its own WSGIDaemonProcess or use "
            "WSGIApplicationGroup %{GLOBAL}\n", err)
        self.assertIn('[r-missing] jwsgi worker: site request without SCRIPT_FILENAME', err)
        for path in (os.path.join(self.directory, 'b.wsgi'), shared):
            self.assertIn('code changed, asking to be recycled pid=%d path=%s' % (self.process.pid, path), err)

    def test_without_preload_the_first_request_claims_the_group_and_a_failed_preload_still_serves(self):
        broken = self.write('broken.wsgi', 'x = 1\n')
        self.start_site([{'script': broken, 'application_group': ''}])
        front, _ = self.accept()
        response = self.site_request(front, 'broken.wsgi', group='', request_id='r-broken')
        self.assertEqual(response.fail[0], 'A')
        self.write('broken.wsgi', SCRIPT)
        healed = self.site_request(front, 'broken.wsgi', group='')
        self.assertEqual(healed.status, '200 OK', healed.fail)
        self.assertEqual(json.loads(healed.body)['module_group'], '')
        other = self.site_request(front, 'a.wsgi', group='', callable_object='application')
        self.assertEqual(other.status, '200 OK', other.fail)
        front.sock.close()
        code, out, err = self.finish()
        self.assertEqual(code, 0, err)
        self.assertIn('jwsgi worker: preloaded script %s failed to load (every request retries) pid=%d: '
                      "callable 'application' not found" % (broken, self.process.pid), err)
        self.assertIn("[r-broken] callable 'application' not found", err)

    def test_a_request_before_any_preload_claims_its_group(self):
        self.start_site([])
        front, _ = self.accept()
        self.assertEqual(self.site_request(front, 'a.wsgi', group='host|/x').status, '200 OK')
        self.assertEqual(self.site_request(front, 'a.wsgi', group='').fail[0], 'A')
        front.sock.close()
        code, out, err = self.finish()
        self.assertIn("application group '%{GLOBAL}' requested but this process of group 'main' already "
                      "runs application group 'host|/x'", err)

    def test_preload_without_site_type_is_a_startup_error(self):
        self.start(SCRIPT, config={'preload': [{'script': '/x.wsgi'}]})
        code, out, err = self.finish()
        self.assertEqual(code, 2)
        self.assertIn('preload needs application_type site', err)
