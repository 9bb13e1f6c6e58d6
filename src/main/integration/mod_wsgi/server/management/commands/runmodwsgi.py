from jwsgi_django.management.commands.runmodwsgi import Command  # noqa: F401 (the same command)
