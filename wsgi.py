"""WSGI entry point: ``waitress-serve --call wsgi:create_app`` or ``flask --app wsgi run``."""

from cxroi import create_app

app = create_app()
