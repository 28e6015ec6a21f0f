"""Diaspora Desk: case management for the desks serving Senegalese abroad."""
