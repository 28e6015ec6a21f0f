"""Notifications to the people served: a transactional outbox, templates, channels, a delivery worker."""
