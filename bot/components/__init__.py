"""Thin Rasa graph components over :mod:`bot.text`."""
