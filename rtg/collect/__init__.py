"""Collecting and checking trial files: integrity, then the tables users script against."""
