"""Experts: where they come from (explicit path, shipped package data) and how we train them."""
