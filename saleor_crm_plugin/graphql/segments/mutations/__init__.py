"""Segment mutations: ``segments`` (create, update, delete, refresh), ``preview``
(a live count while editing) and ``exports`` (the CSV of the members); ``base``
holds what they share."""
