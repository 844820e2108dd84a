"""What every stage shares: typed errors, findings, money and tonne formats, ISO weeks."""
