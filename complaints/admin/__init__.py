"""Back office for complaints: the queue, follow-ups, deliveries, feeds, contacts."""

from complaints.admin import complaint, others  # noqa: F401  (registers the admins)
