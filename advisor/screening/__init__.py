"""Injection screening that does not depend on English patterns (used by `advisor.injection`).

`unmask` undoes disguises (invisible characters, full-width forms, lookalike letters,
leetspeak, base64 and hex); `cues` scores the concepts an instruction is built from in eight
languages (`lexicon`); `semantic` lets the embedding model confirm a suspicious window.
"""
