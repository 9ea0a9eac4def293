"""Readers that turn outside data into graph records, and the scheduled-job runner."""
