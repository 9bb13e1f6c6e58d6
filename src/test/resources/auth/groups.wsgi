"""WSGIAuthGroupScript for the integration tests: ann is an admin, bob is staff."""


def groups_for_user(environ, user):
    return {'ann': ['admins', 'staff'], 'bob': ['staff']}.get(user, [])
