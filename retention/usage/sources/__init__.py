"""Sources of read evidence: one :class:`~retention.usage.sources.base.UsageSource` per kind.

- :class:`~retention.usage.sources.spark_eventlog.SparkEventLogSource`: Spark event logs.
- :class:`~retention.usage.sources.s3_access.S3AccessLogSource`: S3 server access logs.
- :class:`~retention.usage.sources.lakewarden_jobs.LakewardenJobsSource`: Lakewarden's own
  jobs (the audit log), recorded as governance reads.
"""
