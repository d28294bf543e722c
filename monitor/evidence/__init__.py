"""Evidence: what proves what a page said, and when.

chain    the hash chain over a watch's versions, and where it breaks (pure)
warc     a watch's versions as WARC 1.1 request and response records
newsedits versions and their sentence-level edits in the NewsEdits dataset's layout
"""
