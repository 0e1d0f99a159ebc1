"""Parity with the official code of each strategy paper (issue 15)."""
