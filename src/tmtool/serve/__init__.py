"""The web editor (`tmtool serve`, issue 19): a document's pairs as a grid to review in a browser.

:mod:`.grid` is the part without a web framework (rows, filters, decisions through the store's
optimistic check); :mod:`.app` the Flask application; :mod:`.security` its guards; :mod:`.server`
starts it. Importing this package imports no Flask.
"""
