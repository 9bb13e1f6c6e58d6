VALUE = 'found-on-python-path'
