"""Reads of the outcome figures: ``figures`` computes a month from every app's records (counts
only), ``public`` reads the stored months the public page and its open data show."""
