"""Appointments of registrants (or their cases) with a desk agent."""
