"""Merging two registrant files of one person, and undoing it."""
