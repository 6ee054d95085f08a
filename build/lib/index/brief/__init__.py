"""Briefings: answers that are not a quote to a question. ``headlines`` (the top stories of a
period, grouped by ``stories``) and ``briefing`` (the latest reports on a topic).
"""
