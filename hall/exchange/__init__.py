"""Citizens' messages to departments, the departments' replies, and service ratings."""
