"""A transactional outbox: a task is written in the same transaction as the change it follows.

Why an app of its own rather than a model in ``gaps``: the outbox is plumbing between the
database and Celery, not a gap concept. Any app may call ``outbox.services.enqueue``; the outbox
knows no app in return (it stores task names), so the one-way dependencies hold.
"""
