"""The agents' web UI under ``/app/``: the search page, the Chatwoot panel and their assets.

Sources in ``services/search-api/web/`` (TypeScript, built with esbuild into ``static/``,
which is committed: the image and the demo need no Node and no network).
"""
