"""Usage and cold data: how much of the lake is read, and which sensitive data sits cold.

- :mod:`retention.usage.sources`: read evidence (:class:`UsageSource` and one class per source).
- :mod:`retention.usage.mapping`: evidence location -> Delta table, partitions, columns.
- :mod:`retention.usage.ingest`: incremental, idempotent ingest into ``_lakewarden/usage``.
- :mod:`retention.usage.report`: :func:`build_usage_report` returns a typed :class:`UsageReport`.
- :mod:`retention.usage.html`: the HTML usage section with inline SVG charts.
- :mod:`retention.usage.demo_workload`: a scripted classic-Spark read workload that checks the
  reported bytes against the files it read.
"""
