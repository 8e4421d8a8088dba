"""Spell checking without Qt: the dictionary wrapper, word splitting, the personal word
list and the choice of language. The window's side is writer_app/ui/spell_check.py."""
