"""Repo analysis: what the code is (classes, call sites), decided before anything is edited.

Everything here reads the stdlib ``ast`` (fast); LibCST is only for the files a rule edits.
"""
