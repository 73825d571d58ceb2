"""Batch engines: run the one per-photo function (scanner.batch.engines.work) over a work list.

``inprocess`` runs photos one after another in this process (``--jobs 1`` without a time
limit); ``local`` runs them in worker processes on this machine; ``ray`` as Ray tasks on a
cluster. All three call the same function and return the same results.
"""
