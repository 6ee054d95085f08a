"""Understanding a question before anything is retrieved: ``question`` (clean it, its type,
names, dates and key words; ``followup`` resolves a follow-up against earlier turns, with
``words`` for the small vocabularies it needs), ``outlets`` (which news outlets it names),
``period`` (the days it asks about) and ``intent`` (does it ask for the news in general?).
"""
