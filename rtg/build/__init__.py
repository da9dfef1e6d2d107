"""Interpreters and builds: which Python runs a build or a trial, and building a backend under it."""
