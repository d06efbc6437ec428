"""widgets stage."""
