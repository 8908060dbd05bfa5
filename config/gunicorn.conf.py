# gunicorn -c config/gunicorn.conf.py wsgi:app
# Web workers only serve pages; sync and indexing run in `hall worker` (never here).
bind = "127.0.0.1:8000"
workers = 2
threads = 4
timeout = 30
# Load the app (and jieba's dictionary) once, before forking.
preload_app = True
