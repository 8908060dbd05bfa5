"""People who sign in: administrators and department operators."""
