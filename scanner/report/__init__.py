"""Human-readable reports: plain-words guidance and a self-contained HTML report."""
