"""flask-json case: a Flask app whose GET / returns a small JSON document.

Needs Flask importable by the worker interpreter (Debian's python3-flask, so workers run /usr/bin/python3).
"""
from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/")
def index():
    return jsonify(message="Hello, World!", server="bench", items=[1, 2, 3], ok=True)


application = app
