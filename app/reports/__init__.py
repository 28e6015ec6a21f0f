"""Reports and exports: statistics with small-cell suppression, pseudonymised and named exports."""
