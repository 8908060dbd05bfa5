"""Settings: `default.py` lists every setting the application reads."""
