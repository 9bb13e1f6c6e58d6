"""A single-file Django project: settings, a URLconf and the WSGI application, as django-admin makes them."""
import os

from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY='jwsgi-integration-test-only',
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=['127.0.0.1', 'localhost'],
        MIDDLEWARE=['django.middleware.common.CommonMiddleware'],
    )

from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402


def index(request):
    return HttpResponse('Hello from Django')


def info(request):
    return JsonResponse({'path': request.path, 'method': request.method, 'script_name': request.META['SCRIPT_NAME'],
                         'query': request.GET.get('q', '')})


@csrf_exempt
def upload(request):
    return HttpResponse('got %d bytes' % len(request.body))


urlpatterns = [path('', index), path('info/', info), path('upload/', upload)]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
