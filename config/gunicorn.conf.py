# gunicorn -c config/gunicorn.conf.py wsgi:app
# Web workers only serve pages; sync and indexing run in `hall worker` (never here).
import ctypes
import os
import signal
import sys

bind = "127.0.0.1:8000"
workers = 2
threads = 4
timeout = 30
# Load the app (and jieba's dictionary) once, before forking.
preload_app = True

# Under `hall run`, whose pid this names, gunicorn stops when `hall run` dies, even when it
# is killed outright (SIGKILL) and cannot pass a signal on.
PARENT_PID_VARIABLE = "SERVICE_HALL_RUN_PID"


def on_starting(server):
    parent = os.environ.get(PARENT_PID_VARIABLE)
    if not parent or not sys.platform.startswith("linux"):
        return
    pr_set_pdeathsig = 1  # prctl(2): a signal for this process when its parent ends
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != int(parent):  # it ended before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)
