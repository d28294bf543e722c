"""monitor serve: a read-only HTTP server of feeds and metrics over the database."""
