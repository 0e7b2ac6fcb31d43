"""The storage sink: enriched articles and alerts from Kafka into PostgreSQL, for analysts to query.

`database` connects, `migrations` applies the versioned SQL in `migrations/`, `rows` turns a
message into table rows (pure), `store` upserts a batch in one transaction, `consumer` is the
Kafka loop behind `geowire sink`, and `queries` answers `geowire query`.
"""
