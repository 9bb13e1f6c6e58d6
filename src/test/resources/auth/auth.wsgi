"""Auth-hook integration tests: WSGIAuthUserScript with a fixed table of users (all with password 'secret')."""
import hashlib

USERS = {'ann': 'secret', 'bob': 'secret', 'alias': 'secret'}


def check_password(environ, user, password):
    if user not in USERS:
        return None
    if USERS[user] != password:
        return False
    return 'renamed' if user == 'alias' else True


def get_realm_hash(environ, user, realm):
    if user not in USERS:
        return None
    return hashlib.md5(('%s:%s:%s' % (user, realm, USERS[user])).encode()).hexdigest()
