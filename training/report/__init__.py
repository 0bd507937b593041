"""``python -m training report``: the papers' comparisons re-run on our data (issue 6).

``experiments`` lists the comparisons and claims, ``runner`` trains and scores one row (cached),
``markdown`` writes ``docs/results.md`` from the cache alone.
"""
