"""Reports: account health now; search analytics later."""
