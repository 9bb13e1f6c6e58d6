"""A Flask app as users write them: routes, JSON, a form post, a redirect, a 404, a streamed response."""
from flask import Flask, Response, jsonify, redirect, request

app = Flask(__name__)
application = app


@app.route('/')
def index():
    return 'Hello from Flask'


@app.route('/json')
def json_view():
    return jsonify(message='hello', items=[1, 2, 3])


@app.route('/form', methods=['POST'])
def form():
    return 'name=%s pad=%d' % (request.form.get('name', ''), len(request.form.get('pad', '')))


@app.route('/go')
def go():
    return redirect('/json')


@app.route('/stream')
def stream():
    return Response((('line %d\n' % i).encode() for i in range(5)), mimetype='text/plain')


@app.route('/cookies')
def cookies():
    r = Response('cookies set')
    r.set_cookie('a', '1')
    r.set_cookie('b', '2')
    return r
