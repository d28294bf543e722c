"""The history: a watch's versions as the reading commands show them, and across
watches, full-text search and the list of changes.

reading   a watch's versions, one of them, two diffed, over any store (``Storage``, or the
          driver-only ``monitor.readonly.Reader`` of `list`, `history`, `show`, `diff`)
match     pure: the words of a text, whether a version holds a phrase or a pattern,
          where a text first appeared and where it went, which changes a filter keeps
values    what the queries return (one dataclass per row; ``monitor.output`` prints them)
index     the database's own full-text index of the versions (SQLite FTS5, PostgreSQL
          tsvector and GIN), kept in the transaction that stores a version
queries   the SQL that reads candidates and changes; the decisions stay in ``match``
"""
