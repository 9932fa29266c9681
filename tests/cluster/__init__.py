"""Several `acl serve` processes behind a real HAProxy, sharing ratelimit
state in a real Redis (issue 6, sections 3 and 4)."""
