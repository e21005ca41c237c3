"""The portfolio: every case with its stored headline figures, for a CX council."""
