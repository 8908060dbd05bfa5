"""Every setting Service Hall reads, with its default.

Layers, later ones win: this file -> the Python file named by HALL_SETTINGS ->
environment variables HALL_<KEY> (values parsed as JSON when they parse, so
HALL_SEARCH_PER_PAGE=20 is an int) -> test overrides passed to create_app().
The README's settings table is checked against this file by a test.
"""

# Secret used to sign session cookies; set a long random value in production.
SECRET_KEY = "dev-only-change-me"

# Send the session cookie over HTTPS only; turn on wherever the site is served over HTTPS (off so the demo works over http).
SESSION_COOKIE_SECURE = False

# Keep the session cookie out of reach of page scripts.
SESSION_COOKIE_HTTPONLY = True

# Withhold the session cookie from cross-site subrequests and form posts ("Lax", "Strict" or None).
SESSION_COOKIE_SAMESITE = "Lax"

# Failed sign-ins for one username within LOGIN_LOCKOUT_SECONDS that lock it.
LOGIN_MAX_FAILURES = 5

# Seconds in which LOGIN_MAX_FAILURES failures lock a username, and how long it then stays locked.
LOGIN_LOCKOUT_SECONDS = 900

# Region code in filing numbers of departments that have none of their own.
FILING_REGION_CODE = "000000"

# Working days within which a change to an account is to be filed (a local rule).
FILING_CHANGE_WORKING_DAYS = 2

# Seconds one check of an account's interaction channel address may take.
CHANNEL_CHECK_TIMEOUT = 10

# Days a closed account's closure notice (with its successor) stays public.
CLOSURE_NOTICE_DAYS = 30

# Messages, ratings and follow-up replies one sender (a daily-keyed hash of the address) may send per hour, each.
MESSAGE_RATE_LIMIT = 5

# Seconds a citizen's form must have been open before it is accepted (faster is a script).
MESSAGE_MIN_SECONDS = 3

# Seconds a citizen's form stays valid after it was served.
MESSAGE_MAX_FORM_AGE_SECONDS = 86400

# Most links (http://, https://, www.) a message, reply or rating comment may hold.
MESSAGE_MAX_LINKS = 2

# Folder holding the SQLite database, the Whoosh index and other local state.
INSTANCE_PATH = ""

# SQLAlchemy database URL; empty means SQLite at <INSTANCE_PATH>/hall.db.
DATABASE_URL = ""

# Folder holding the Whoosh index; empty means <INSTANCE_PATH>/index.
INDEX_PATH = ""

# Hosts, addresses or networks (CIDR) that connectors may reach even though they are private or loopback.
HTTP_ALLOWLIST = []

# Seconds to wait for a TCP connection to a source.
HTTP_CONNECT_TIMEOUT = 5.0

# Seconds to wait between two reads from a source.
HTTP_READ_TIMEOUT = 15.0

# Seconds one request may take in all, however the source drips its bytes.
HTTP_TOTAL_DEADLINE = 60.0

# Largest response body accepted, in bytes, counted after decompression.
HTTP_MAX_BYTES = 10 * 1024 * 1024

# Most redirects followed for one request.
HTTP_MAX_REDIRECTS = 5

# User-Agent sent with every outbound request.
HTTP_USER_AGENT = "ServiceHall/0.1 (+https://github.com/service-hall)"

# Seconds between two syncs of every connector when `hall run` schedules them.
SYNC_INTERVAL_SECONDS = 3600

# Consecutive complete listings an item must be missing from before it is tombstoned.
SYNC_TOMBSTONE_AFTER_MISSES = 3

# Share of live items a complete listing may lose at once; a bigger drop deletes nothing.
SYNC_MAX_SHRINK = 0.5

# Seconds between two looks of a worker for due connectors.
SYNC_POLL_SECONDS = 5.0

# Connectors one worker process runs at once (its thread pool).
SYNC_WORKER_THREADS = 4

# Fetches one worker runs at once against the same source host.
SYNC_MAX_PER_HOST = 2

# Seconds a claimed connector stays leased to its worker without a heartbeat.
SYNC_LEASE_SECONDS = 120

# Seconds between two heartbeats of a running sync (each extends the lease).
SYNC_HEARTBEAT_SECONDS = 15

# Seconds without a heartbeat after which a running sync is marked abandoned.
SYNC_HEARTBEAT_TIMEOUT_SECONDS = 90

# Seconds one sync run may take in all before it is stopped and counted as failed.
SYNC_RUN_TIME_LIMIT_SECONDS = 900

# Share of the interval by which each next run is moved at random, to spread load.
SYNC_JITTER = 0.1

# Seconds before retrying a failed connector; doubles with each failure in a row.
SYNC_BACKOFF_BASE_SECONDS = 60

# Longest wait between retries of a failing connector, in seconds.
SYNC_BACKOFF_MAX_SECONDS = 21600

# Days the per-item outcomes of sync runs are kept.
SYNC_OUTCOME_RETENTION_DAYS = 14

# Seconds between two passes of the indexer over the change log.
INDEX_POLL_SECONDS = 2.0

# Change-log rows the indexer applies in one Whoosh commit.
INDEX_BATCH_SIZE = 2000

# Seconds the indexer waits for a change-log id that is missing (a transaction still open, on PostgreSQL) before taking it as rolled back.
INDEX_GAP_GRACE_SECONDS = 600

# Processes writing segments in parallel during `hall index rebuild` (1 = the calling process only).
INDEX_REBUILD_PROCS = 2

# Results on one page unless the request asks for another number.
SEARCH_PER_PAGE = 10

# Largest page size a request may ask for.
SEARCH_MAX_PER_PAGE = 50

# Deepest result a search returns (page x page size); deeper pages repeat the last one.
SEARCH_MAX_RESULTS = 1000

# Characters of a query kept; the rest is ignored.
SEARCH_MAX_QUERY_CHARS = 200

# Search answers kept in memory per process (keyed by query, filters, page and index generation).
SEARCH_CACHE_SIZE = 2048

# Seconds at most between two checks whether the index has moved.
SEARCH_REFRESH_SECONDS = 2.0

# Milliseconds a query may spend collecting hits before it answers with what it has.
SEARCH_TIME_LIMIT_MS = 1500

# A query finding fewer results than this gets a did-you-mean spelling, if one finds more (0: never).
SEARCH_SUGGEST_BELOW = 3

# Seconds a process keeps a hall's synonyms and best bets before reading them again (edits in the same process apply at once).
SEARCH_RELEVANCE_CACHE_SECONDS = 60

# Days of anonymous search statistics (query, day, counts) kept; older rows are deleted by the worker's daily job.
SEARCH_STATS_RETENTION_DAYS = 400

# Days of service page views that rank a hall's hot services (today included).
HOT_SERVICES_DAYS = 30

# Language of pages when the visitor has not chosen one: "zh" or "en".
DEFAULT_LANGUAGE = "zh"

# Hall shown at "/" when a deployment serves several; empty means the first hall.
DEFAULT_HALL = ""

# Public address of the site (scheme, host, mount path) used in feeds, sitemaps, Open311 and JSON-LD links; empty means the request's own host.
PUBLIC_BASE_URL = ""
