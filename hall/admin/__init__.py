"""Administrator pages (/admin): filings, departments, users, halls and layouts, reports."""
