"""The local review page (``postsafe serve``): FastAPI app and its static files.

Importing this package imports FastAPI; the CLI does so only inside the ``serve`` command.
"""
