"""``python manage.py runmodwsgi [start-server options]``: the project on jwsgi (see jwsgi_django.command).

The process becomes jwsgi (``os.execv``), as mod_wsgi-express's command becomes Apache: signals sent to it
(Ctrl-C, SIGTERM, SIGHUP, SIGUSR1) reach the server itself. ``--help`` shows start-server's options.
"""

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jwsgi_django import command, launcher


class Command(BaseCommand):
    help = ('Run this project on jwsgi, as mod_wsgi-express runs it: every "jwsgi start-server" option is '
            'accepted (run "manage.py runmodwsgi --help" for them).')

    def run_from_argv(self, argv):
        # Not BaseCommand's argparse: start-server's options are jwsgi's to parse (its errors name them).
        arguments, django_options = command.split_django_options(argv[2:])
        try:
            jwsgi = launcher.command()
        except launcher.LauncherNotFound as e:
            raise SystemExit('runmodwsgi: %s' % e)
        if '--help' in arguments or '-h' in arguments:
            self.execute_jwsgi(jwsgi + ['start-server', '--help'])
        try:
            full = command.start_server(jwsgi, settings, arguments, sys.executable, django_options)
        except ValueError as e:
            raise SystemExit('runmodwsgi: %s' % e)
        self.execute_jwsgi(full)

    def execute_jwsgi(self, arguments):
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        try:
            os.execv(arguments[0], arguments)
        except OSError as e:
            raise SystemExit('runmodwsgi: cannot run %s: %s' % (arguments[0], e))

    def handle(self, *args, **options):
        raise CommandError('runmodwsgi replaces the running process with jwsgi: run it from the command line '
                           '(python manage.py runmodwsgi ...), not with call_command()')
