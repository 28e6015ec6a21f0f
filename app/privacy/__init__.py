"""Data protection: consent that gates every disclosure to a third party, legal bases, and the
register of disclosures (referrals to partners, transfers between desks)."""
