"""Cases: service requests and their follow-up (catalogue, partners, workflow, referrals, timeline)."""
