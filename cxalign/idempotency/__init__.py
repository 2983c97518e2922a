"""``Idempotency-Key`` on the API's POSTs: a retried request gets the first answer back."""
